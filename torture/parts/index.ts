// Every torture part, in the order a full run takes them.
import type { TorturePart } from '../types.js';
import { canarySecretsPart } from './canary-secrets.js';
import { kill9Part } from './kill9.js';
import { slowProvidersPart } from './slow-providers.js';
import { soakPart } from './soak.js';

export const PARTS: TorturePart[] = [kill9Part, slowProvidersPart, canarySecretsPart, soakPart];
