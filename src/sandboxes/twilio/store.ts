// The messages the sandbox holds (created through the API or injected inbound), kept in memory.
import { appendBounded } from '../kit/history.js';
import type { Scheduled } from '../kit/scheduler.js';
import type { MessageJson } from './resource.js';
import type { TestNumberBehaviour } from './test-numbers.js';

export interface StoredMessage {
  accountSid: string;
  /** What GET …/Messages/{Sid}.json answers; updated as callbacks go out. */
  resource: MessageJson;
  /** The decoded form of the Create Message request (empty for injected inbound messages). */
  params: Record<string, string | string[]>;
  /** `StatusCallback` as given (fragment included). */
  statusCallback?: string;
  behaviour: TestNumberBehaviour;
  /** False for destinations without delivery reports (docs/events.md): no final callback. */
  reports: boolean;
  timers: Scheduled[];
}

export class MessageStore {
  /** Oldest first, at most `limit`. */
  readonly all: StoredMessage[] = [];
  private readonly bySid = new Map<string, StoredMessage>();

  constructor(private readonly limit: number) {}

  add(m: StoredMessage): void {
    this.bySid.set(m.resource.sid, m);
    for (const dropped of appendBounded(this.all, m, this.limit)) this.bySid.delete(dropped.resource.sid);
  }

  /** The message, if it belongs to the account. */
  get(accountSid: string, sid: string): StoredMessage | undefined {
    const m = this.bySid.get(sid);
    return m?.accountSid === accountSid ? m : undefined;
  }
}
