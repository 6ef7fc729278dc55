#include "core/archive_lib.h"

#include <dlfcn.h>

namespace berth {

#define BERTH_CORE_ARCHIVE_DEFINE(name) decltype(&::name) sym_##name = nullptr;
BERTH_CORE_ARCHIVE_FUNCTIONS(BERTH_CORE_ARCHIVE_DEFINE)
#undef BERTH_CORE_ARCHIVE_DEFINE

Result<> dlopen_libarchive()
{
    static bool loaded = false;
    if (loaded)
        return {};
    void* lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return fail(ErrorKind::Failed, std::string("cannot load libarchive (install libarchive13): ") + dlerror());
#define BERTH_CORE_ARCHIVE_LOAD(name)                                                                       \
    sym_##name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name));                                   \
    if (!sym_##name)                                                                                        \
        return fail(ErrorKind::Failed, "libarchive lacks " #name " (libarchive13 too old?)");
    BERTH_CORE_ARCHIVE_FUNCTIONS(BERTH_CORE_ARCHIVE_LOAD)
#undef BERTH_CORE_ARCHIVE_LOAD
    loaded = true;
    return {};
}

}  // namespace berth
