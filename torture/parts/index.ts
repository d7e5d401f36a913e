// Every torture part, in the order a full run takes them.
import type { TorturePart } from '../types.js';
import { fuzzApi } from './fuzz-api.js';

export const PARTS: TorturePart[] = [fuzzApi];
