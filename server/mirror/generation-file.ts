import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDurably } from '../tokens/durable-file.js';

/** A dataset generation and the highest epoch seen in it. */
export interface GenerationMark {
  generation: string;
  epoch: number;
}

/**
 * The dataset generation a broker last belonged to and the highest epoch it
 * saw, kept in its data dir. A broker that restarts after Redis lost
 * everything can tell that loss (it knew a generation that is gone: holders
 * it cannot see may still be running) from a new deployment (it never knew
 * one), and still takes an epoch above every one it saw.
 */
export class GenerationFile {
  private readonly file: string;
  private known: GenerationMark;

  constructor(private readonly dataDir: string) {
    this.file = join(dataDir, 'generation');
    this.known = readMark(this.file);
  }

  /** What was last recorded ('' and 0 for nothing). */
  get mark(): GenerationMark {
    return this.known;
  }

  /** Records a generation or a higher epoch; epochs are kept at their highest. */
  record(generation: string, epoch: number): void {
    const top = Math.max(epoch, this.known.epoch);
    if (generation === this.known.generation && top === this.known.epoch) return;
    mkdirSync(this.dataDir, { recursive: true });
    writeDurably(this.file, `${generation} ${top}\n`);
    this.known = { generation, epoch: top };
  }
}

function readMark(file: string): GenerationMark {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // None yet: a broker that never belonged to a dataset.
  }
  const m = /^([\w-]{1,64}) (\d{1,15})\s*$/.exec(text);
  return m ? { generation: m[1]!, epoch: Number(m[2]) } : { generation: '', epoch: 0 };
}
