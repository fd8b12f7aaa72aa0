// Child processes under test: start, wait until they listen, measure from /proc, stop.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ); 100 on every Linux we run on. */
const TICKS_PER_SECOND = 100;

const running = new Set();
const handedOut = new Set();

/**
 * A free loopback port (released right away; the child binds it a moment later). Never the same one
 * twice in a run, so servers started side by side cannot be given one port.
 */
export async function freePort() {
  for (;;) {
    const port = await anyPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function anyPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node <args>` (or `command <args>`) and resolves once `port` accepts connections. Rejects,
 * with the tail of the child's stderr, when it exits first or does not listen within `timeoutMs`.
 */
export async function startServer({ name, command = process.execPath, args, env = {}, port, cwd, timeoutMs = 20_000, ipc = false }) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const handle = trackChild(name, child);
  if (port === undefined) return handle;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle.exitCode !== null) throw new Error(`${name} exited with code ${handle.exitCode} before listening: ${handle.output()}`);
    if (await accepts(port)) return handle;
    await sleep(50);
  }
  await handle.stop();
  throw new Error(`${name} did not listen on port ${port} within ${timeoutMs} ms: ${handle.output()}`);
}

function trackChild(name, child) {
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const handle = {
    name,
    pid: child.pid,
    child,
    exitCode: null,
    exited,
    // An `error:` line when there is one (commander prints its help after it), else the last lines.
    output: () => /^.*error.*$/im.exec(tail)?.[0].trim() ?? tail.trim().split('\n').slice(-5).join(' | '),
    async stop() {
      if (handle.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  exited.then((code) => {
    handle.exitCode = code;
    running.delete(handle);
  });
  running.add(handle);
  return handle;
}

/** Stops every child this driver started (by its own pid), e.g. on Ctrl-C or a failed scenario. */
export async function stopAll() {
  await Promise.all([...running].map((handle) => handle.stop()));
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pid and every descendant (`serve --workers` forks); read from /proc. */
function processTree(rootPid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== null) parents.set(Number(entry), stat.ppid);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) };
  } catch {
    return null;
  }
}

/** utime+stime of the process tree, in CPU seconds. */
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const member of processTree(pid)) {
    const stat = readStat(member);
    if (stat !== null) ticks += stat.utime + stat.stime;
  }
  return ticks / TICKS_PER_SECOND;
}

/** Peak resident set (VmHWM) of the process tree, summed, in MiB. */
export function peakRssMiB(pid) {
  let kib = 0;
  for (const member of processTree(pid)) {
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${member}/status`, 'utf8'));
      if (match) kib += Number(match[1]);
    } catch {
      // exited meanwhile
    }
  }
  return kib / 1024;
}
