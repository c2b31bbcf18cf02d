import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A real, size-limited folder for disk-full tests: a tmpfs mounted on a temporary directory
// (root only; CI runs as root on Debian, as this machine does). A filler file takes every free
// byte, so writes fail as on a full disk; deleting it gives the space back.

export interface SmallDisk {
  readonly dir: string;
  /** Writes a filler file until the disk refuses (ENOSPC): no byte is left. */
  fill(): void;
  /** Deletes the filler: the space returns. */
  free(): void;
  /** Unmounts and removes the folder (close every file on it first). */
  close(): void;
}

const mount = (dir: string, bytes: number): void => void execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
const unmount = (dir: string): void => {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // A file still open on it: detach now, the kernel frees it when the last one closes.
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
};

/** Why this process cannot mount a small disk, or undefined when it can (tried once). */
export function smallDiskUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (CI runs as root)';
  const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-small-disk-probe-'));
  try {
    mount(dir, 64 * 1024);
    unmount(dir);
    return undefined;
  } catch (e) {
    return `mount -t tmpfs refused: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function mountSmallDisk(bytes: number): SmallDisk {
  const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-small-disk-'));
  mount(dir, bytes);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(16 * 1024, 0x55);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        // The last partial block: take what is left byte by byte in smaller writes.
        for (let size = chunk.length / 2; size >= 1; size = Math.floor(size / 2)) {
          try {
            for (;;) writeSync(fd, chunk, 0, size);
          } catch {
            // this size no longer fits; try a smaller one
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    close() {
      try {
        unlinkSync(filler);
      } catch {
        // already freed
      }
      unmount(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
