require("./bin/compiled.cjs").register();
const cdktf = require("cdktf");
const flag = process.argv[2] === "off";
if (flag) { const Orig = cdktf.App; }
const { benchSynth } = require("./bench/synth.ts");
const App = cdktf.App.prototype;
if (flag) { const { DISABLE_STACK_TRACE_IN_METADATA } = require("cdktf/lib/annotations"); const orig = cdktf.App.prototype.synth; process.env.X = 1; require("constructs"); const C = require("constructs"); const origCtor = C.Node.prototype.addMetadata; C.Node.prototype.addMetadata = function (t, d, o) { return origCtor.call(this, t, d, { ...(o||{}), stackTrace: false }); }; }
benchSynth(3).then((l) => console.log(l.slice(0, 5).join("\n")));
