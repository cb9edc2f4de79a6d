// Builds the busybox base image that tests, e2e and the benchmark run on (DESIGN.md §9).
import { connectDocker } from '../src/core/engine/docker-client';
import { ensureTestBaseImage, TEST_BASE_IMAGE } from '../test/helpers/busybox-image';

const { docker } = connectDocker();
await ensureTestBaseImage(docker);
process.stdout.write(`test base image ready: ${TEST_BASE_IMAGE}\n`);
