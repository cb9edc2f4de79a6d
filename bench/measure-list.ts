// Lists every bottle the way `claude-bottle ls` does and prints the process's peak RSS in KiB.
import { createCore } from '../src/core/create-core';

await createCore().bottles.list();
process.stdout.write(String(process.resourceUsage().maxRSS));
