// Loaded by scripts/test.mjs into each test file's process. When the file's tests are done but its process is still
// alive 30 s later (a server, socket or timer left open keeps it from exiting; the run fails at the file timeout),
// it prints what is still open, so the hang names its cause.
if (process.env.NODE_TEST_CONTEXT) {
  const { after } = await import('node:test');
  after(() => {
    setTimeout(() => {
      process.stderr.write(
        `${process.argv[1]}: its tests are done but the process has not exited; still open: ` +
          `${process.getActiveResourcesInfo().join(', ')}\n`,
      );
    }, 30_000).unref();
  });
}
