// One progress line for long benchmark work, redrawn in place on a terminal, plain lines in CI logs.

export function progress(label: string): { update(done: number, total: number, extra?: string): void; done(summary: string): void } {
  const tty = process.stderr.isTTY === true;
  let lastPercent = -1;
  return {
    update(done, total, extra = '') {
      const percent = Math.floor((100 * done) / total);
      if (percent === lastPercent || (!tty && percent % 10 !== 0)) return;
      lastPercent = percent;
      const line = `${label} ${String(percent).padStart(3)}% ${extra}`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
    done(summary) {
      process.stderr.write(`${tty ? '\r' : ''}${label} done: ${summary}\n`);
    },
  };
}
