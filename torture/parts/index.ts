// Every torture part, in the order a full run takes them.
import type { TorturePart } from '../types.js';
import { forgedWebhooks } from './forged-webhooks.js';
import { fuzzApi } from './fuzz-api.js';
import { reportPermutations } from './report-permutations.js';

export const PARTS: TorturePart[] = [fuzzApi, reportPermutations, forgedWebhooks];
