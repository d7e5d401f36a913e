// Every torture part, in the order a full run takes them.
import type { TorturePart } from '../types.js';
import { canarySecretsPart } from './canary-secrets.js';
import { forgedWebhooks } from './forged-webhooks.js';
import { fuzzApi } from './fuzz-api.js';
import { kill9Part } from './kill9.js';
import { reportPermutations } from './report-permutations.js';
import { slowProvidersPart } from './slow-providers.js';
import { soakPart } from './soak.js';

export const PARTS: TorturePart[] = [kill9Part, slowProvidersPart, fuzzApi, reportPermutations, forgedWebhooks, canarySecretsPart, soakPart];
