'use strict'

// Package entry (CommonJS). `index.mjs` re-exports the same for `import`.
module.exports = require('./adapter')
