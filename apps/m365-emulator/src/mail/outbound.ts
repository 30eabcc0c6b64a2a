/** Mail sent to recipients outside every emulated tenant: recorded, readable from the control API. */
export interface OutboundMessage {
  seq: number;
  time: string;
  fromMailbox: string;
  from: string | null;
  to: string[];
  subject: string;
  internetMessageId: string;
  attachments: { name: string; size: number }[];
}

export class OutboundLog {
  private entries: OutboundMessage[] = [];
  private seq = 0;

  add(e: Omit<OutboundMessage, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...e });
    if (this.entries.length > 10_000) this.entries.shift();
  }

  list(sinceSeq = 0): OutboundMessage[] {
    return this.entries.filter((e) => e.seq > sinceSeq);
  }

  clear(): void {
    this.entries = [];
  }
}
