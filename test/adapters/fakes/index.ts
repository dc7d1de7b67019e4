export { fakeEngines, type EngineLog, type FakeEngine, type SeenRequest } from "./harness";
export { lorax } from "./lorax";
export { sglang } from "./sglang";
export { openaiApi, tgi } from "./tgi";
export { vllm, type SeenPromptEmbeds } from "./vllm";
