// Only for the simulator tests (jest): tdesign-miniprogram's files in miniprogram_npm are ES
// modules, which WeChat DevTools compiles itself; jest needs them as CommonJS.
module.exports = { plugins: ['@babel/plugin-transform-modules-commonjs'] }
