// Message ids of the Conversation sandbox: ULIDs, as Sinch's are, made monotonic so that ids made
// in the same millisecond still sort in the order they were made ("newest first" sorts by id).
import { monotonicFactory } from 'ulid';

export const newMessageId = monotonicFactory();
