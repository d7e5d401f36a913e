// Every torture part, in the order a full run takes them.
import type { TorturePart } from '../types.js';

export const PARTS: TorturePart[] = [];
