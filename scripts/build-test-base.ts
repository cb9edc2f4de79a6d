// Builds the busybox base image that tests, e2e and the benchmark run on (DESIGN.md §9).
import { ensureTestBaseImage, TEST_BASE_IMAGE } from '../test/helpers/busybox-image';
import { rawDocker } from '../test/helpers/raw-docker';

await ensureTestBaseImage(rawDocker());
process.stdout.write(`test base image ready: ${TEST_BASE_IMAGE}\n`);
