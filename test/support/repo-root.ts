/** The repository's root, for tests that read docs/, examples/ or vectors: the one place that knows where it is. */
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
