#!/usr/bin/env node
// Launcher: everything lives in the bundled CLI.
import '../dist/cli.js';
