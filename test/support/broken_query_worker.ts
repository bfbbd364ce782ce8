// A query worker that dies while starting (as one would that cannot open the library): the
// back end must say so and must not restart it in a loop.
throw new Error('this query worker cannot start');
