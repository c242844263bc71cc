// The smallest embedder of libnode: initialises Node.js through the embedder
// API, runs a script that prints process.version, and stops. Proves that a
// flavour built by libnode-build/build is a working library.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "node.h"
#include "uv.h"

int main(int argc, char** argv) {
  argv = uv_setup_args(argc, argv);
  std::vector<std::string> args(argv, argv + argc);
  // A unique_ptr up to Node 20, a shared_ptr from Node 22 on.
  auto init =
      node::InitializeOncePerProcess(
          args,
          {node::ProcessInitializationFlags::kNoInitializeV8,
           node::ProcessInitializationFlags::kNoInitializeNodeV8Platform});
  for (const std::string& error : init->errors()) {
    fprintf(stderr, "%s: %s\n", args[0].c_str(), error.c_str());
  }
  if (init->early_return() != 0) return init->exit_code();

  std::unique_ptr<node::MultiIsolatePlatform> platform =
      node::MultiIsolatePlatform::Create(2);
  v8::V8::InitializePlatform(platform.get());
  v8::V8::Initialize();

  int exit_code = 1;
  {
    std::vector<std::string> errors;
    std::unique_ptr<node::CommonEnvironmentSetup> setup =
        node::CommonEnvironmentSetup::Create(
            platform.get(), &errors, init->args(), init->exec_args());
    if (!setup) {
      for (const std::string& error : errors) {
        fprintf(stderr, "%s: %s\n", args[0].c_str(), error.c_str());
      }
      return 1;
    }
    v8::Isolate* isolate = setup->isolate();
    node::Environment* env = setup->env();
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Context::Scope context_scope(setup->context());
    v8::MaybeLocal<v8::Value> loaded = node::LoadEnvironment(
        env,
        "console.log(`embedded Node.js ${process.version}, shared library: "
        "${process.config.variables.node_shared}`);");
    if (!loaded.IsEmpty()) exit_code = node::SpinEventLoop(env).FromMaybe(1);
    node::Stop(env);
  }

  v8::V8::Dispose();
  v8::V8::DisposePlatform();
  node::TearDownOncePerProcess();
  return exit_code;
}
