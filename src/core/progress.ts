/**
 * Progress for long work: a redrawn line on a terminal, nothing when output is piped (scripts
 * read the final result, or --json events).
 */
export interface Progress {
  update(label: string, detail: string): void;
  done(label: string, detail: string): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  let last = 0;
  return {
    update(label, detail) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      stream.write(`\r\x1b[2K${label} ${detail}`);
    },
    done(label, detail) {
      stream.write(`\r\x1b[2K${label} ${detail}\n`);
    },
  };
}
