/**
 * Runs a bench entry point and sets its exit code. `cleanup` (killing every
 * child by pid) runs however the run ends: done, failed, a signal or exit,
 * so no broker, driver or server outlives it.
 */
export function runMain(main: () => Promise<number>, cleanup: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
  process.on('exit', cleanup);
  main().then(
    (code) => {
      cleanup();
      process.exitCode = code;
    },
    (err: unknown) => {
      cleanup();
      console.error(err);
      process.exitCode = 1;
    },
  );
}
