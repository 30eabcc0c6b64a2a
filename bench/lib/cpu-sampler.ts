// Where the machine's CPU went during a chaos run, every 2 s: Mailroom's processes, the chaos process
// (emulator, receiver, balancer), PostgreSQL (all of the machine's `postgres` processes) and the rest —
// other work on a shared machine. A stall of every Mailroom process at once shows here as the rest
// (or a starting process) taking the cores, not as a fault of the run.
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSecondsOf, machineCpu, type MailroomProcess } from './process.ts';

export interface CpuSample {
  /** Seconds since the run began. */
  t: number;
  /** Cores busy, in all and by whom. */
  busy: number;
  mailroom: number;
  chaos: number;
  postgres: number;
  other: number;
  /**
   * Mailroom's processes' time spent runnable but waiting for a core (`/proc/<pid>/schedstat`), in
   * cores: above 0, they had work and the machine gave them no CPU.
   */
  mailroomWaiting: number;
}

export class CpuSampler {
  readonly samples: CpuSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: { at: number; machine: { idle: number; total: number }; chaos: number; postgres: number };
  private readonly lastByPid = new Map<number, number>();
  private readonly lastWaitByPid = new Map<number, number>();

  private readonly t0: number;
  private readonly processes: () => MailroomProcess[];

  constructor(t0: number, processes: () => MailroomProcess[]) {
    this.t0 = t0;
    this.processes = processes;
    this.last = this.read();
    this.mailroomDelta();
    this.waitingDelta();
  }

  start(intervalMs = 2000): void {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private read() {
    const u = process.cpuUsage();
    return {
      at: Date.now(),
      machine: machineCpu(),
      chaos: (u.user + u.system) / 1e6,
      postgres: cpuSecondsOf('postgres'),
    };
  }

  /** CPU seconds Mailroom's processes used since the last call (a restarted process starts again from 0). */
  private mailroomDelta(): number {
    let sum = 0;
    for (const p of this.processes()) {
      const pid = p.pid;
      const s = p.stats();
      if (pid === undefined || !s) continue;
      sum += s.cpuSeconds - (this.lastByPid.get(pid) ?? 0);
      this.lastByPid.set(pid, s.cpuSeconds);
    }
    return sum;
  }

  /** Seconds Mailroom's processes waited on a run queue since the last call (all their threads). */
  private waitingDelta(): number {
    let sum = 0;
    for (const p of this.processes()) {
      const pid = p.pid;
      if (pid === undefined) continue;
      try {
        let ns = 0;
        for (const tid of readdirSync(`/proc/${pid}/task`))
          ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
        sum += ns / 1e9 - (this.lastWaitByPid.get(pid) ?? 0);
        this.lastWaitByPid.set(pid, ns / 1e9);
      } catch {
        // Gone meanwhile (a thread ended, the process was killed).
      }
    }
    return sum;
  }

  private sample(): void {
    try {
      const now = this.read();
      const wall = (now.at - this.last.at) / 1000;
      const total = now.machine.total - this.last.machine.total;
      const idle = now.machine.idle - this.last.machine.idle;
      // /proc/stat counts every core: busy share × core count = cores busy.
      const cores = total > 0 ? ((total - idle) / total) * (total / wall) : 0;
      const mailroom = this.mailroomDelta() / wall;
      const mailroomWaiting = this.waitingDelta() / wall;
      const chaos = (now.chaos - this.last.chaos) / wall;
      const postgres = (now.postgres - this.last.postgres) / wall;
      const round = (x: number) => Math.round(x * 100) / 100;
      this.samples.push({
        t: Math.round((now.at - this.t0) / 100) / 10,
        busy: round(cores),
        mailroom: round(mailroom),
        chaos: round(chaos),
        postgres: round(postgres),
        other: round(Math.max(0, cores - mailroom - chaos - postgres)),
        mailroomWaiting: round(mailroomWaiting),
      });
      this.last = now;
    } catch {
      // /proc unreadable for a moment: the next sample covers the gap.
    }
  }
}
