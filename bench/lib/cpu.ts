import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let tickMs: number | undefined;

/** Milliseconds per clock tick of /proc's CPU times. */
function msPerTick(): number {
  if (tickMs === undefined) {
    let hz = 100;
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      // keep Linux's usual 100
    }
    tickMs = 1000 / hz;
  }
  return tickMs;
}

/**
 * CPU time (user + system, ms) used so far by the live processes of a process group (a server
 * and its workers), or by a process and its direct children (PostgreSQL's postmaster and
 * backends). Null where /proc is missing: the bench then prints no CPU figures.
 */
export function cpuMs(which: { group: number } | { parent: number }): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  let ticks = 0;
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
    } catch {
      continue;
    }
    // After "pid (comm) ": state, ppid, pgrp, …, utime (14th field), stime (15th).
    const pid = Number(d);
    const match = 'group' in which ? Number(fields[2]) === which.group : pid === which.parent || Number(fields[1]) === which.parent;
    if (match) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * msPerTick();
}
