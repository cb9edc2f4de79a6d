process.stderr.write('claude-bottle: not implemented yet\n');
process.exit(1);
