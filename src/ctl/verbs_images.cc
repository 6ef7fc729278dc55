// Image verbs: image list, image import, image remove.
#include <fcntl.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "base/size.h"
#include "base/unique_fd.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/output.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr const char* kManagerInterface = org::berth1::Manager_proxy::INTERFACE_NAME;

// Local time "YYYY-MM-DD HH:MM"; "-" for 0.
std::string short_time(uint64_t usec)
{
    if (usec == 0)
        return "-";
    const time_t t = static_cast<time_t>(usec / 1000000);
    struct tm tm {};
    char buf[32];
    if (!localtime_r(&t, &tm) || strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm) == 0)
        return std::to_string(usec);
    return buf;
}

Result<int> do_image_list(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto images = BERTH_TRY(bus_call([&] { return bus.manager().ListImages(); }));
    std::sort(images.begin(), images.end(),
              [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    if (inv.args.has("json")) {
        Json out = Json::array();
        for (const auto& i : images) {
            Json obj = Json::object();
            obj.set("name", std::get<0>(i)).set("origin", std::get<1>(i));
            obj.set("size", std::get<2>(i)).set("created", std::get<3>(i));
            out.push(std::move(obj));
        }
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    Table table({"NAME", "ORIGIN", "SIZE", "CREATED"});
    for (const auto& i : images)   // sdbus::Struct derives from std::tuple: no structured bindings
        table.add_row({std::get<0>(i), std::get<1>(i), format_size(std::get<2>(i)), short_time(std::get<3>(i))});
    std::printf("%s\n%zu image%s listed.\n", table.render().c_str(), table.size(), table.size() == 1 ? "" : "s");
    return 0;
}

Result<int> do_image_import(const Invocation& inv)
{
    const std::string& file = inv.args.positionals[0];
    const std::string& name = inv.args.positionals[1];
    UniqueFd fd;
    if (file == "-") {
        fd = UniqueFd(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
        if (!fd)
            return fail_errno("read the tarball from stdin");
    } else {
        fd = UniqueFd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
        if (!fd)
            return fail_errno("open " + file);
    }
    auto bus = BERTH_TRY(Bus::connect());
    // The daemon reads the whole tarball before it replies; a large image takes longer than the default 25 s.
    BERTH_TRY(bus_call([&] {
        bus.manager()
            .getProxy()
            .callMethod("ImportImage")
            .onInterface(kManagerInterface)
            .withTimeout(kNoTimeout)
            .withArguments(sdbus::UnixFd(fd.get()), name);
    }));
    std::printf("Imported image %s.\n", name.c_str());
    return 0;
}

Result<int> do_image_remove(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { bus.manager().RemoveImage(name, inv.args.has("force")); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

}  // namespace

std::vector<Verb> image_verbs()
{
    return {
        {"image list", {}, "[--json]", 0, 0, std::nullopt,
         {{"json", 0, false, false, "", "print JSON instead of a table"}}, do_image_list, "List images",
         "Lists images: NAME ORIGIN (builtin or import) SIZE CREATED. --json prints an array of objects with\n"
         "name, origin, size (bytes) and created (microseconds since the epoch)."},
        {"image import", {}, "FILE NAME", 2, 2, std::nullopt, {}, do_image_import,
         "Import a root file system tarball as an image",
         "Imports FILE (a plain, gzip, xz or zstd tar archive of a root file system; '-' reads stdin) as image\n"
         "NAME. The daemon reads the file through the descriptor berthctl opened, so FILE only has to be\n"
         "readable by the caller. A corrupt or truncated tarball is refused and leaves nothing behind."},
        {"image remove", {"rm"}, "[--force] NAME...", 1, kAnyNumber, std::nullopt,
         {{"force", 'f', false, false, "", "remove it even though containers were made from it"}}, do_image_remove,
         "Remove images",
         "Removes each image NAME. Refused while containers made from it exist (the error names them) unless\n"
         "--force is given: those keep their own copy of the root file system. Never while an ephemeral\n"
         "container runs on it."},
    };
}

}  // namespace berth::ctl
