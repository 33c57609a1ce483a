/**
 * Progress on a terminal: one line rewritten in place, at most a few times a second, only when
 * stderr is a TTY — logs and journald never see it.
 */
const REDRAW_MS_MIN = 200;

export interface Progress {
  bytes(label: string, total: number): void;
  items(label: string, done: number, total: number | undefined): void;
  /** Ends the line so the next output starts clean. */
  end(): void;
}

export const silentProgress: Progress = {
  bytes: () => undefined,
  items: () => undefined,
  end: () => undefined,
};

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  let last = 0;
  let drawn = false;
  const draw = (text: string, force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < REDRAW_MS_MIN) return;
    last = now;
    drawn = true;
    stream.write(`\r\u001b[2K${text}`);
  };
  return {
    bytes: (label, total) => {
      draw(`${label}: ${formatBytes(total)}`, false);
    },
    items: (label, done, total) => {
      draw(`${label}: ${done}${total === undefined ? '' : `/${total}`} items`, false);
    },
    end: () => {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
