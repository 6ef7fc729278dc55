#include "ctl/archive_dl.h"

#include <dlfcn.h>

#include <memory>
#include <mutex>
#include <string>

namespace berth::ctl {

namespace {

// libarchive 3.x keeps soname 13; a build against another major version must change the name below.
static_assert(ARCHIVE_VERSION_NUMBER >= 3000000 && ARCHIVE_VERSION_NUMBER < 4000000);
constexpr const char* kSoname = "libarchive.so.13";

struct DlClose {
    void operator()(void* handle) const { dlclose(handle); }
};

struct Loaded {
    std::unique_ptr<void, DlClose> handle;
    ArchiveLib lib;
    Result<const ArchiveLib*> outcome = fail(ErrorKind::Failed, "libarchive not loaded yet");
};

Loaded& loaded()
{
    static Loaded state;
    return state;
}

Result<const ArchiveLib*> load()
{
    Loaded& state = loaded();
    // RTLD_NOW: a missing symbol of libarchive's own dependencies shows here, not in the middle of a copy.
    state.handle.reset(dlopen(kSoname, RTLD_NOW | RTLD_LOCAL));
    if (!state.handle) {
        const char* why = dlerror();
        return fail(ErrorKind::NotSupported, std::string("cannot load ") + kSoname + " (install the Debian package " +
                                                 "libarchive13): " + (why ? why : "unknown error"));
    }
#define BERTH_ARCHIVE_LOOKUP(name)                                                                                 \
    state.lib.name = reinterpret_cast<decltype(&::name)>(dlsym(state.handle.get(), #name));                       \
    if (!state.lib.name)                                                                                           \
        return fail(ErrorKind::NotSupported, std::string(kSoname) + " has no function " #name                     \
                                                                    " (a libarchive older than berth needs)");
    BERTH_ARCHIVE_FUNCTIONS(BERTH_ARCHIVE_LOOKUP)
#undef BERTH_ARCHIVE_LOOKUP
    return &state.lib;
}

}  // namespace

Result<const ArchiveLib*> load_archive_lib()
{
    static std::once_flag once;
    std::call_once(once, [] { loaded().outcome = load(); });
    return loaded().outcome;
}

const ArchiveLib& archive_lib()
{
    return loaded().lib;
}

}  // namespace berth::ctl
