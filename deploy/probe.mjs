// A health probe for containers whose image has Node but no curl:
// `node deploy/probe.mjs /readyz` exits 0 on a 2xx from the broker's admin
// server on this container's loopback, 1 otherwise. Probes need no token.
const path = process.argv[2] ?? '/livez';
const port = process.env.BATON_ADMIN_PORT || '7071';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(2_000),
  });
  process.exitCode = res.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
