#include "core/guest_systemd.h"

#include <signal.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdlib>

namespace berth {

namespace {

constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
constexpr uint64_t kCallTimeoutUsec = 10 * 1000000ULL;
constexpr int kExitExec = 203;   // systemd's EXIT_EXEC: the command could not be executed
constexpr int kCldExited = 1, kCldKilled = 2, kCldDumped = 3;

struct BusUnref {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct MessageUnref {
    void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct SlotUnref {
    void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
using BusPtr = std::unique_ptr<sd_bus, BusUnref>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;

struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&e); }
};

Error bus_failure(const BusError& error, int r, const std::string& what)
{
    if (sd_bus_error_is_set(&error.e)) {
        const char* text = error.e.message ? error.e.message : error.e.name;
        return Error{ErrorKind::Failed, 0, "the guest's systemd: " + what + ": " + text};
    }
    return Error{ErrorKind::Failed, r < 0 ? -r : EIO, "the guest's systemd: " + what};
}

// sd-bus wants a NULL-terminated char* array.
std::vector<char*> strv(const std::vector<std::string>& list)
{
    std::vector<char*> out;
    for (const auto& s : list)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

std::vector<std::string> guest_shell_command(const std::vector<std::string>& argv)
{
    // $SHELL is the user's, set by systemd from the guest's passwd because User= is set.
    if (argv.empty())
        return {"/bin/sh", "-c", "exec \"${SHELL:-/bin/sh}\" -l"};
    std::vector<std::string> command = {"/bin/sh", "-c", "exec \"$0\" \"$@\""};
    command.insert(command.end(), argv.begin(), argv.end());
    return command;
}

int guest_exit_status(int exec_main_code, int exec_main_status, const std::string& result)
{
    if (exec_main_code == kCldExited)
        return exec_main_status == kExitExec && result == "exit-code" ? 127 : exec_main_status;
    if (exec_main_code == kCldKilled || exec_main_code == kCldDumped)
        return 128 + exec_main_status;
    return result == "success" ? 0 : 1;   // it never ran (a failed start job, PAM refused the session)
}

struct GuestSystemd::Impl {
    BusPtr bus;
    SlotPtr job_slot, changed_slot, lost_slot;
    std::string unit, unit_path, job;
    bool job_done = false;
    bool finished = false;
    ExitCallback done;

    void finish(Result<int> outcome)
    {
        if (finished)
            return;
        finished = true;
        // Nothing more from this connection: the owner removes it (and so the unit's reference) later.
        sd_bus_detach_event(bus.get());
        if (done)
            done(std::move(outcome));
    }

    // After the start job: an inactive or failed unit has ended; read how.
    void check()
    {
        if (!job_done || finished)
            return;
        BusError error;
        char* state = nullptr;
        int r = sd_bus_get_property_string(bus.get(), kDestination, unit_path.c_str(), "org.freedesktop.systemd1.Unit",
                                           "ActiveState", &error.e, &state);
        if (r < 0) {
            finish(tl::unexpected(bus_failure(error, r, "read the state of " + unit)));
            return;
        }
        const std::string active = state;
        std::free(state);
        char* sub = nullptr;
        (void)sd_bus_get_property_string(bus.get(), kDestination, unit_path.c_str(), "org.freedesktop.systemd1.Unit",
                                         "SubState", nullptr, &sub);
        const std::string sub_state = sub ? sub : "";
        std::free(sub);
        // RemainAfterExit: "active (exited)" once the command ended with 0, "failed" otherwise.
        if (active != "inactive" && active != "failed" && sub_state != "exited")
            return;
        int32_t code = 0, status = 0;
        char* result = nullptr;
        const char* service = "org.freedesktop.systemd1.Service";
        if (sd_bus_get_property_trivial(bus.get(), kDestination, unit_path.c_str(), service, "ExecMainCode", nullptr,
                                        'i', &code) < 0 ||
            sd_bus_get_property_trivial(bus.get(), kDestination, unit_path.c_str(), service, "ExecMainStatus",
                                        nullptr, 'i', &status) < 0 ||
            sd_bus_get_property_string(bus.get(), kDestination, unit_path.c_str(), service, "Result", nullptr,
                                       &result) < 0) {
            finish(fail(ErrorKind::Failed, "the guest's systemd: read the exit status of " + unit));
            return;
        }
        const std::string result_text = result;
        std::free(result);
        // Read: let the guest forget the unit.
        (void)sd_bus_call_method(bus.get(), kDestination, kManagerPath, kManagerInterface, "StopUnit", nullptr, nullptr,
                                 "ss", unit.c_str(), "replace");
        (void)sd_bus_call_method(bus.get(), kDestination, kManagerPath, kManagerInterface, "ResetFailedUnit", nullptr,
                                 nullptr, "s", unit.c_str());
        finish(guest_exit_status(code, status, result_text));
    }

    static int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*)
    {
        auto* self = static_cast<Impl*>(userdata);
        uint32_t id = 0;
        const char *job = nullptr, *unit = nullptr, *result = nullptr;
        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0 && self->job == job) {
            self->job_done = true;
            self->check();
        }
        return 0;
    }
    static int on_changed(sd_bus_message*, void* userdata, sd_bus_error*)
    {
        static_cast<Impl*>(userdata)->check();
        return 0;
    }
    static int on_lost(sd_bus_message*, void* userdata, sd_bus_error*)
    {
        static_cast<Impl*>(userdata)->finish(
            fail(ErrorKind::Failed, "the guest's systemd went away before the shell ended (container stopped?)"));
        return 0;
    }
};

GuestSystemd::GuestSystemd(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GuestSystemd::~GuestSystemd() = default;

Result<std::unique_ptr<GuestSystemd>> GuestSystemd::connect(UniqueFd socket)
{
    auto impl = std::make_unique<Impl>();
    sd_bus* bus = nullptr;
    int r = sd_bus_new(&bus);
    if (r < 0)
        return fail_errno(-r, "create a bus connection");
    impl->bus.reset(bus);
    // A direct connection to systemd (no dbus-daemon, no Hello); sd-bus owns the socket from here on.
    const int fd = socket.release();
    if ((r = sd_bus_set_fd(bus, fd, fd)) < 0) {
        ::close(fd);
        return fail_errno(-r, "use the guest's systemd socket");
    }
    if ((r = sd_bus_set_method_call_timeout(bus, kCallTimeoutUsec)) < 0 || (r = sd_bus_start(bus)) < 0)
        return fail_errno(-r, "connect to the guest's systemd");
    return std::unique_ptr<GuestSystemd>(new GuestSystemd(std::move(impl)));
}

Result<> GuestSystemd::start_unit(const std::string& unit)
{
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(impl_->bus.get(), kDestination, kManagerPath, kManagerInterface, "StartUnit", &error.e,
                               &reply, "ss", unit.c_str(), "replace");
    MessagePtr owned(reply);
    if (r < 0)
        return fail(bus_failure(error, r, "start " + unit));
    return {};
}

Result<> GuestSystemd::start_shell(const GuestShellSpec& spec)
{
    sd_bus* bus = impl_->bus.get();
    impl_->unit = spec.unit;
    char* path = nullptr;
    if (sd_bus_path_encode("/org/freedesktop/systemd1/unit", spec.unit.c_str(), &path) < 0)
        return fail(ErrorKind::Failed, "encode the path of " + spec.unit, ENOMEM);
    impl_->unit_path = path;
    std::free(path);

    // Signals first, so the end of a short command cannot slip by before we listen.
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_match_signal(bus, &slot, nullptr, kManagerPath, kManagerInterface, "JobRemoved",
                                Impl::on_job_removed, impl_.get());
    impl_->job_slot.reset(slot);
    if (r >= 0)
        r = sd_bus_match_signal(bus, &slot, nullptr, impl_->unit_path.c_str(), "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", Impl::on_changed, impl_.get());
    impl_->changed_slot.reset(r >= 0 ? slot : nullptr);
    if (r >= 0)
        r = sd_bus_match_signal(bus, &slot, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", Impl::on_lost, impl_.get());
    impl_->lost_slot.reset(r >= 0 ? slot : nullptr);
    if (r < 0)
        return fail_errno(-r, "watch the guest's systemd");

    sd_bus_message* raw = nullptr;
    r = sd_bus_message_new_method_call(bus, &raw, kDestination, kManagerPath, kManagerInterface,
                                       "StartTransientUnit");
    MessagePtr m(raw);
    if (r < 0)
        return fail_errno(-r, "build StartTransientUnit");
    const std::string user = spec.user.empty() ? "root" : spec.user.substr(0, spec.user.find(':'));
    const std::string group = spec.user.find(':') == std::string::npos ? "" : spec.user.substr(spec.user.find(':') + 1);
    const auto command = guest_shell_command(spec.argv);
    auto args = strv(command);
    auto env = strv(spec.env);
    r = sd_bus_message_append(m.get(), "ss", spec.unit.c_str(), "fail");
    if (r >= 0)
        r = sd_bus_message_open_container(m.get(), 'a', "(sv)");
    // The guest's own login path: PAM session "login" (limits, loginctl session, motd, lastlog), the user's
    // home, the pty as its controlling terminal. RemainAfterExit keeps the ended unit loaded until we read its
    // status (AddRef would, but systemd cannot track a peer of its private socket: "Failed to watch sender").
    if (r >= 0)
        r = sd_bus_message_append(m.get(), "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s",
                                  "berth shell", "PAMName", "s", "login", "User", "s", user.c_str(), "TTYPath", "s",
                                  spec.tty.c_str(), "StandardInput", "s", "tty", "StandardOutput", "s", "tty",
                                  "StandardError", "s", "tty", "WorkingDirectory", "s", "~", "SendSIGHUP", "b", 1,
                                  "IgnoreSIGPIPE", "b", 0, "RemainAfterExit", "b", 1, "Type", "s", "simple");
    if (r >= 0 && !group.empty())
        r = sd_bus_message_append(m.get(), "(sv)", "Group", "s", group.c_str());
    if (r >= 0)
        r = sd_bus_message_open_container(m.get(), 'r', "sv");
    if (r >= 0)
        r = sd_bus_message_append(m.get(), "s", "Environment");
    if (r >= 0)
        r = sd_bus_message_open_container(m.get(), 'v', "as");
    if (r >= 0)
        r = sd_bus_message_append_strv(m.get(), env.data());
    if (r >= 0)
        r = sd_bus_message_close_container(m.get());
    if (r >= 0)
        r = sd_bus_message_close_container(m.get());
    if (r >= 0)
        r = sd_bus_message_open_container(m.get(), 'r', "sv");
    if (r >= 0)
        r = sd_bus_message_append(m.get(), "s", "ExecStart");
    if (r >= 0)
        r = sd_bus_message_open_container(m.get(), 'v', "a(sasb)");
    if (r >= 0)
        r = sd_bus_message_open_container(m.get(), 'a', "(sasb)");
    if (r >= 0)
        r = sd_bus_message_open_container(m.get(), 'r', "sasb");
    if (r >= 0)
        r = sd_bus_message_append(m.get(), "s", command[0].c_str());
    if (r >= 0)
        r = sd_bus_message_append_strv(m.get(), args.data());
    if (r >= 0)
        r = sd_bus_message_append(m.get(), "b", 0);
    for (int i = 0; r >= 0 && i < 5; ++i)   // r, a, v, r, and the property array
        r = sd_bus_message_close_container(m.get());
    if (r >= 0)
        r = sd_bus_message_append(m.get(), "a(sa(sv))", 0);
    if (r < 0)
        return fail_errno(-r, "build StartTransientUnit");

    BusError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus, m.get(), kCallTimeoutUsec, &error.e, &reply);
    MessagePtr owned(reply);
    if (r < 0)
        return fail(bus_failure(error, r, "start " + spec.unit));
    const char* job = nullptr;
    if ((r = sd_bus_message_read(reply, "o", &job)) < 0)
        return fail_errno(-r, "read the job of " + spec.unit);
    impl_->job = job;
    return {};
}

Result<> GuestSystemd::watch_shell(EventLoop& loop, ExitCallback done)
{
    impl_->done = std::move(done);
    int r = sd_bus_attach_event(impl_->bus.get(), loop.get(), SD_EVENT_PRIORITY_NORMAL);
    if (r < 0)
        return fail_errno(-r, "watch the guest's systemd");
    return {};
}

}  // namespace berth
