// UnitManager over sd-bus. Everything is synchronous and bounded by timeouts: the daemon is single-threaded and
// each call costs a few milliseconds. systemd reports the end of a job only by the JobRemoved signal, which can
// arrive before the reply that names the job has been read, so the connection subscribes once at open time and
// records JobRemoved (and UnitRemoved) for the units an operation is waiting on, keyed by job path.
#include "core/systemd_unit_manager.h"

#include <time.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "base/fs.h"

namespace berth {

namespace {

constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
constexpr uint64_t kUsecPerSec = 1000000;
constexpr uint64_t kCallTimeoutUsec = 10 * kUsecPerSec;  // one method call
constexpr uint64_t kJobTimeoutUsec = 10 * kUsecPerSec;   // a start job, or a stop job after SIGKILL
constexpr uint64_t kStopGraceUsec = 5 * kUsecPerSec;     // a stop job before we escalate to SIGKILL
constexpr uint64_t kGcTimeoutUsec = 2 * kUsecPerSec;     // a stopped unit being unloaded

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

// sd_bus_error with a destructor.
struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&e); }
    bool has_name(const char* name) const { return sd_bus_error_has_name(&e, name); }
};

uint64_t now_usec()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * kUsecPerSec + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

// One Error from a failed sd-bus call: the bus error's own message when systemd sent one, else the errno.
Error bus_failure(const BusError& error, int r, std::string what)
{
    if (sd_bus_error_is_set(&error.e)) {
        ErrorKind kind = ErrorKind::Failed;
        if (error.has_name(SD_BUS_ERROR_ACCESS_DENIED) || error.has_name("org.freedesktop.systemd1.AccessDenied"))
            kind = ErrorKind::AccessDenied;
        else if (error.has_name("org.freedesktop.systemd1.UnitExists"))
            kind = ErrorKind::Busy;
        // systemd's message is already readable ("Unit x.scope was already loaded ..."), so no errno is kept:
        // describe() would only repeat it as strerror text.
        const char* text = error.e.message ? error.e.message : error.e.name;
        return Error{kind, 0, std::move(what) + ": " + text};
    }
    return Error{ErrorKind::Failed, r < 0 ? -r : EIO, std::move(what)};
}

// GetUnit, StopUnit, KillUnit and SetUnitProperties all answer NoSuchUnit for a unit that is not loaded.
bool is_no_such_unit(const BusError& error)
{
    return error.has_name("org.freedesktop.systemd1.NoSuchUnit");
}

}  // namespace

struct SystemdUnitManager::Impl {
    BusPtr bus;
    sd_event* event = nullptr;  // not owned
    SlotPtr job_removed_slot;
    SlotPtr unit_removed_slot;

    // Units an operation is waiting on right now; signals about other units are dropped at once.
    std::set<std::string> watched_units;
    std::map<std::string, std::pair<std::string, std::string>> finished_jobs;  // job path -> (unit, result)
    std::set<std::string> removed_units;

    // Keep the signals of one unit while an operation runs; forget them afterwards so nothing piles up.
    class Watch {
    public:
        Watch(Impl& impl, std::string unit) : impl_(impl), unit_(std::move(unit)) { impl_.watched_units.insert(unit_); }
        ~Watch()
        {
            impl_.watched_units.erase(unit_);
            impl_.removed_units.erase(unit_);
            std::erase_if(impl_.finished_jobs, [this](const auto& kv) { return kv.second.first == unit_; });
        }
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;

    private:
        Impl& impl_;
        std::string unit_;
    };

    static int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*)
    {
        auto* self = static_cast<Impl*>(userdata);
        uint32_t id = 0;
        const char *job = nullptr, *unit = nullptr, *result = nullptr;
        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
            return 0;
        if (self->watched_units.count(unit))
            self->finished_jobs[job] = {unit, result};
        return 0;
    }

    static int on_unit_removed(sd_bus_message* m, void* userdata, sd_bus_error*)
    {
        auto* self = static_cast<Impl*>(userdata);
        const char *unit = nullptr, *path = nullptr;
        if (sd_bus_message_read(m, "so", &unit, &path) < 0)
            return 0;
        if (self->watched_units.count(unit))
            self->removed_units.insert(unit);
        return 0;
    }

    Result<> subscribe()
    {
        // Matches first, then Subscribe: no signal can be emitted for us before we listen.
        sd_bus_slot* slot = nullptr;
        int r = sd_bus_match_signal(bus.get(), &slot, kDestination, kManagerPath, kManagerInterface, "JobRemoved",
                                    on_job_removed, this);
        if (r < 0)
            return fail_errno(-r, "add a match for systemd's JobRemoved signal");
        job_removed_slot.reset(slot);
        r = sd_bus_match_signal(bus.get(), &slot, kDestination, kManagerPath, kManagerInterface, "UnitRemoved",
                                on_unit_removed, this);
        if (r < 0)
            return fail_errno(-r, "add a match for systemd's UnitRemoved signal");
        unit_removed_slot.reset(slot);
        BERTH_TRY(call_manager("Subscribe", "subscribe to systemd's signals", nullptr));
        return {};
    }

    Result<MessagePtr> new_manager_call(const char* method)
    {
        sd_bus_message* m = nullptr;
        int r = sd_bus_message_new_method_call(bus.get(), &m, kDestination, kManagerPath, kManagerInterface, method);
        if (r < 0)
            return fail_errno(-r, std::string("build systemd call ") + method);
        return MessagePtr(m);
    }

    // Send a call and wait (bounded) for its reply. `no_such_unit`, when given, is set instead of failing when
    // systemd answers that the unit does not exist.
    Result<MessagePtr> call(sd_bus_message* m, const std::string& what, bool* no_such_unit = nullptr)
    {
        BusError error;
        sd_bus_message* reply = nullptr;
        int r = sd_bus_call(bus.get(), m, kCallTimeoutUsec, &error.e, &reply);
        if (r < 0) {
            if (no_such_unit && is_no_such_unit(error)) {
                *no_such_unit = true;
                return MessagePtr();
            }
            return fail(bus_failure(error, r, what));
        }
        if (no_such_unit)
            *no_such_unit = false;
        return MessagePtr(reply);
    }

    Result<MessagePtr> call_manager(const char* method, const std::string& what, bool* no_such_unit,
                                    const std::function<int(sd_bus_message*)>& append = {})
    {
        MessagePtr m = BERTH_TRY(new_manager_call(method));
        if (append) {
            int r = append(m.get());
            if (r < 0)
                return fail_errno(-r, what + ": build the request");
        }
        return call(m.get(), what, no_such_unit);
    }

    // Dispatch incoming messages until done() or the deadline. Signals that arrived while sd_bus_call waited
    // for a reply sit in the read queue; sd_bus_process hands them to the match callbacks.
    Result<bool> wait_until(const std::function<bool()>& done, uint64_t deadline, const std::string& what)
    {
        for (;;) {
            if (done())
                return true;
            int r = sd_bus_process(bus.get(), nullptr);
            if (r < 0)
                return fail_errno(-r, what + ": read from the bus");
            if (r > 0)
                continue;
            const uint64_t now = now_usec();
            if (now >= deadline)
                return false;
            r = sd_bus_wait(bus.get(), deadline - now);
            if (r < 0 && r != -EINTR)
                return fail_errno(-r, what + ": wait on the bus");
        }
    }

    // Wait for JobRemoved of `job`; returns its result ("done", "failed", ...) or "" on timeout.
    Result<std::string> wait_job(const std::string& job, uint64_t timeout, const std::string& what)
    {
        const bool finished = BERTH_TRY(wait_until([&] { return finished_jobs.count(job) > 0; },
                                                   now_usec() + timeout, what));
        return finished ? finished_jobs.at(job).second : std::string();
    }

    Result<std::string> job_path(sd_bus_message* reply, const std::string& what)
    {
        const char* job = nullptr;
        int r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
            return fail_errno(-r, what + ": read the job path from systemd's reply");
        return std::string(job);
    }

    // GetUnit: the unit's object path, or "" when systemd has no such unit loaded.
    Result<std::string> unit_path(const std::string& unit)
    {
        bool missing = false;
        MessagePtr reply = BERTH_TRY(call_manager("GetUnit", "look up unit " + unit, &missing,
                                                  [&](sd_bus_message* m) {
                                                      return sd_bus_message_append(m, "s", unit.c_str());
                                                  }));
        if (missing)
            return std::string();
        return job_path(reply.get(), "look up unit " + unit);
    }

    Result<uint64_t> get_u64(const std::string& path, const char* interface, const char* property,
                             const std::string& what)
    {
        BusError error;
        uint64_t value = 0;
        int r = sd_bus_get_property_trivial(bus.get(), kDestination, path.c_str(), interface, property, &error.e,
                                            't', &value);
        if (r < 0)
            return fail(bus_failure(error, r, what + ": read " + property));
        return value;
    }

    // StopUnit(unit, "replace"): the path of the stop job, or "" when the unit is not loaded.
    Result<std::string> queue_stop(const std::string& unit)
    {
        bool missing = false;
        MessagePtr reply = BERTH_TRY(call_manager("StopUnit", "stop unit " + unit, &missing,
                                                  [&](sd_bus_message* m) {
                                                      return sd_bus_message_append(m, "ss", unit.c_str(), "replace");
                                                  }));
        if (missing)
            return std::string();
        return job_path(reply.get(), "stop unit " + unit);
    }

    Result<> kill(const std::string& unit, const std::string& whom, int signal, bool* missing)
    {
        BERTH_TRY(call_manager("KillUnit", "send signal " + std::to_string(signal) + " to unit " + unit, missing,
                               [&](sd_bus_message* m) {
                                   return sd_bus_message_append(m, "ssi", unit.c_str(), whom.c_str(), signal);
                               }));
        return {};
    }

    // Stop a unit and wait until it is inactive and, if systemd unloads it, gone: a following StartTransientUnit
    // of the same name must not find the old unit. Escalates to SIGKILL when the stop job takes too long.
    Result<> stop(const std::string& unit)
    {
        Watch watch(*this, unit);
        const std::string what = "stop unit " + unit;
        std::string job = BERTH_TRY(queue_stop(unit));
        if (job.empty())
            return {};
        std::string result = BERTH_TRY(wait_job(job, kStopGraceUsec, what));
        if (result.empty()) {
            bool missing = false;
            BERTH_TRY(kill(unit, "all", SIGKILL, &missing));
            result = BERTH_TRY(wait_job(job, kJobTimeoutUsec, what));
            if (result.empty())
                return fail(ErrorKind::Failed, what + ": systemd did not finish the stop job within " +
                                                   std::to_string((kStopGraceUsec + kJobTimeoutUsec) / kUsecPerSec) +
                                                   " s, even after SIGKILL", ETIMEDOUT);
        }
        if (result != "done" && result != "canceled")
            return fail(ErrorKind::Failed, what + ": systemd's stop job finished with result '" + result + "'");
        // An inactive transient unit is unloaded on systemd's next loop iteration (CollectMode=inactive-or-failed).
        // A unit that stays loaded (not ours, or still referenced) is stopped all the same: not an error.
        BERTH_TRY(wait_until([&] { return removed_units.count(unit) > 0; }, now_usec() + kGcTimeoutUsec, what));
        return {};
    }
};

namespace {

// Append one (sv) whose variant holds an a(ss): DeviceAllow.
int append_device_allow(sd_bus_message* m, const std::vector<std::pair<std::string, std::string>>& allow)
{
    int r = sd_bus_message_open_container(m, 'r', "sv");
    if (r >= 0) r = sd_bus_message_append(m, "s", "DeviceAllow");
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', "a(ss)");
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(ss)");
    for (const auto& [path, access] : allow)
        if (r >= 0) r = sd_bus_message_append(m, "(ss)", path.c_str(), access.c_str());
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
    return r;
}

int append_limits(sd_bus_message* m, const Limits& limits)
{
    int r = 0;
    for (const UnitProperty& p : limits_to_unit_properties(limits))
        if (r >= 0) r = sd_bus_message_append(m, "(sv)", p.name.c_str(), "t", p.value);
    return r;
}

int append_scope_request(sd_bus_message* m, const ScopeRequest& req)
{
    int r = sd_bus_message_append(m, "ss", req.unit.c_str(), "fail");
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
    if (r >= 0)
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)",
                                  "Description", "s", req.description.c_str(),
                                  "Slice", "s", req.slice.c_str(),
                                  "PIDs", "au", 1, static_cast<uint32_t>(req.pid),
                                  "Delegate", "b", 1,
                                  "CPUAccounting", "b", 1,
                                  "MemoryAccounting", "b", 1,
                                  "TasksAccounting", "b", 1,
                                  "IOAccounting", "b", 1,
                                  "CollectMode", "s", "inactive-or-failed",
                                  "DevicePolicy", "s", "closed");
    if (r >= 0) r = append_limits(m, req.limits);
    if (r >= 0) r = append_device_allow(m, req.device_allow);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_append(m, "a(sa(sv))", 0);  // no auxiliary units
    return r;
}

// After the start job: the process must really be in the scope's cgroup (see TESTHOST.md: a start job can be
// "done" for a scope whose PID could not be moved).
Result<> check_pid_in_scope(pid_t pid, const std::string& unit)
{
    auto content = read_file("/proc/" + std::to_string(pid) + "/cgroup");
    if (!content)
        return fail(ErrorKind::Failed,
                    "process " + std::to_string(pid) + " is gone: it must stay alive until it is in the scope");
    const std::string leaf = "/" + unit;
    size_t pos = 0;
    while (pos < content->size()) {
        size_t end = content->find('\n', pos);
        if (end == std::string::npos)
            end = content->size();
        std::string_view line(content->data() + pos, end - pos);
        if (line.ends_with(leaf) || line.find(leaf + "/") != std::string_view::npos)
            return {};
        pos = end + 1;
    }
    return fail(ErrorKind::Failed, "systemd reported the scope started, but process " + std::to_string(pid) +
                                       " is not in its cgroup: " + *content);
}

}  // namespace

SystemdUnitManager::SystemdUnitManager(sd_bus* bus) : impl_(std::make_unique<Impl>())
{
    impl_->bus.reset(bus);
}

SystemdUnitManager::~SystemdUnitManager()
{
    if (!impl_)
        return;
    impl_->job_removed_slot.reset();
    impl_->unit_removed_slot.reset();
    if (impl_->event)
        sd_bus_detach_event(impl_->bus.get());
}

Result<std::unique_ptr<SystemdUnitManager>> SystemdUnitManager::open_system(sd_event* event)
{
    sd_bus* raw = nullptr;
    int r = sd_bus_open_system_with_description(&raw, "berth-systemd");
    if (r < 0)
        return fail_errno(-r, "connect to the system bus");
    std::unique_ptr<SystemdUnitManager> manager(new SystemdUnitManager(raw));
    manager->impl_->event = event;
    if (event) {
        r = sd_bus_attach_event(manager->impl_->bus.get(), event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
            return fail_errno(-r, "attach the systemd bus connection to the event loop");
    }
    BERTH_TRY(manager->impl_->subscribe().map_error([](Error e) { return std::move(e).context("system bus"); }));
    return manager;
}

Result<std::unique_ptr<SystemdUnitManager>> SystemdUnitManager::open_address(const std::string& address,
                                                                            sd_event* event)
{
    sd_bus* raw = nullptr;
    int r = sd_bus_new(&raw);
    if (r < 0)
        return fail_errno(-r, "allocate a bus connection");
    std::unique_ptr<SystemdUnitManager> manager(new SystemdUnitManager(raw));
    sd_bus* bus = manager->impl_->bus.get();
    const std::string what = "connect to bus " + address;
    if ((r = sd_bus_set_address(bus, address.c_str())) < 0 || (r = sd_bus_set_bus_client(bus, 1)) < 0 ||
        (r = sd_bus_start(bus)) < 0)
        return fail_errno(-r, what);
    manager->impl_->event = event;
    if (event) {
        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
            return fail_errno(-r, "attach the systemd bus connection to the event loop");
    }
    BERTH_TRY(manager->impl_->subscribe().map_error([&](Error e) { return std::move(e).context(what); }));
    return manager;
}

Result<> SystemdUnitManager::start_scope(const ScopeRequest& req)
{
    const std::string what = "start scope " + req.unit;
    // PIDs=[0] means "the caller", which systemd 252 cannot resolve across pid namespaces (it crashes).
    if (req.pid <= 0)
        return fail(ErrorKind::InvalidArgument, what + ": no process given to move into the scope");
    if (!req.unit.ends_with(".scope"))
        return fail(ErrorKind::InvalidArgument, what + ": a scope unit name must end in .scope");

    Impl& impl = *impl_;
    Impl::Watch watch(impl, req.unit);
    auto reply = impl.call_manager("StartTransientUnit", what, nullptr,
                                   [&](sd_bus_message* m) { return append_scope_request(m, req); });
    if (!reply) {
        Error e = std::move(reply).error();
        // Never stop a scope we did not create: "already exists" is most likely a previous run still around.
        if (e.kind == ErrorKind::Busy)
            e.message = what + ": unit " + req.unit + " already exists (a scope of an earlier run is still "
                               "active or being stopped; stop it or wait until it is gone)";
        return fail(std::move(e));
    }

    auto failed = [&](Error e) -> Result<> {
        // Leave nothing behind: the scope came into being, so stop it (its process is the caller's to reap).
        if (auto stopped = impl.stop(req.unit); !stopped)
            e.message += " (and stopping the scope failed too: " + stopped.error().describe() + ")";
        return fail(std::move(e));
    };
    auto job = impl.job_path(reply->get(), what);
    if (!job)
        return failed(std::move(job).error());
    auto result = impl.wait_job(*job, kJobTimeoutUsec, what);
    if (!result)
        return failed(std::move(result).error());
    if (result->empty())
        return failed(Error{ErrorKind::Failed, ETIMEDOUT,
                            what + ": systemd did not finish the start job within " +
                                std::to_string(kJobTimeoutUsec / kUsecPerSec) + " s"});
    if (*result != "done")
        return failed(Error{ErrorKind::Failed, 0,
                            what + ": systemd's start job finished with result '" + *result +
                                "' (see the journal of the test host or `journalctl -u " + req.unit + "`)"});
    if (auto in_scope = check_pid_in_scope(req.pid, req.unit); !in_scope)
        return failed(std::move(in_scope).error().context(what));
    return {};
}

Result<> SystemdUnitManager::set_limits(const std::string& unit, const Limits& limits)
{
    const std::string what = "set limits of unit " + unit;
    bool missing = false;
    BERTH_TRY(impl_->call_manager("SetUnitProperties", what, &missing, [&](sd_bus_message* m) {
        int r = sd_bus_message_append(m, "sb", unit.c_str(), 1);
        if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0) r = append_limits(m, limits);
        if (r >= 0) r = sd_bus_message_close_container(m);
        return r;
    }));
    if (missing)
        return fail(ErrorKind::Failed, what + ": systemd has no such unit (is the container running?)", ENOENT);
    return {};
}

Result<> SystemdUnitManager::kill_unit(const std::string& unit, const std::string& whom, int signal)
{
    bool missing = false;
    BERTH_TRY(impl_->kill(unit, whom, signal, &missing));
    if (missing)
        return fail(ErrorKind::Failed, "send signal " + std::to_string(signal) + " to unit " + unit +
                                           ": systemd has no such unit (is the container running?)", ENOENT);
    return {};
}

void SystemdUnitManager::kill_unit_nowait(const std::string& unit, const std::string& whom, int signal)
{
    if (!impl_->event) {
        UnitManager::kill_unit_nowait(unit, whom, signal);
        return;
    }
    auto m = impl_->new_manager_call("KillUnit");
    int r = m ? sd_bus_message_append(m->get(), "ssi", unit.c_str(), whom.c_str(), signal) : -ENOMEM;
    // The answer is handled by the event loop (or by the next call that waits on this connection).
    auto on_reply = [](sd_bus_message* reply, void* userdata, sd_bus_error*) -> int {
        const auto* what = static_cast<const std::string*>(userdata);
        const sd_bus_error* error = sd_bus_message_get_error(reply);
        // Not loaded, or no main process (not running): it reads its files when it starts.
        if (error && !sd_bus_error_has_names(error, "org.freedesktop.systemd1.NoSuchUnit",
                                             "org.freedesktop.systemd1.NoSuchProcess"))
            std::fprintf(stderr, "berthd: %s: %s\n", what->c_str(), error->message ? error->message : error->name);
        return 0;
    };
    auto what = std::make_unique<std::string>("send signal " + std::to_string(signal) + " to unit " + unit);
    sd_bus_slot* slot = nullptr;
    if (r >= 0)
        r = sd_bus_call_async(impl_->bus.get(), &slot, m->get(), on_reply, what.get(), kCallTimeoutUsec);
    if (r < 0) {
        std::fprintf(stderr, "berthd: %s: %s\n", what->c_str(), std::strerror(-r));
        return;
    }
    // The bus keeps the pending call (floating slot) and frees `what` with it, answered or not.
    sd_bus_slot_set_destroy_callback(slot, [](void* p) { delete static_cast<std::string*>(p); });
    (void)what.release();
    sd_bus_slot_set_floating(slot, 1);
    sd_bus_slot_unref(slot);
}

Result<> SystemdUnitManager::stop_unit(const std::string& unit)
{
    return impl_->stop(unit);
}

Result<UnitUsage> SystemdUnitManager::usage(const std::string& unit)
{
    UnitUsage usage;
    const std::string path = BERTH_TRY(impl_->unit_path(unit));
    if (path.empty())
        return usage;
    // systemd reports UINT64_MAX when it does not know (accounting off, or no such controller): show 0.
    auto known = [](uint64_t v) { return v == UINT64_MAX ? 0 : v; };
    const char* scope = "org.freedesktop.systemd1.Scope";
    const std::string what = "read usage of unit " + unit;
    usage.memory_current = known(BERTH_TRY(impl_->get_u64(path, scope, "MemoryCurrent", what)));
    usage.cpu_usage_nsec = known(BERTH_TRY(impl_->get_u64(path, scope, "CPUUsageNSec", what)));
    usage.tasks_current = known(BERTH_TRY(impl_->get_u64(path, scope, "TasksCurrent", what)));
    return usage;
}

Result<bool> SystemdUnitManager::is_active(const std::string& unit)
{
    const std::string path = BERTH_TRY(impl_->unit_path(unit));
    if (path.empty())
        return false;
    BusError error;
    char* state = nullptr;
    int r = sd_bus_get_property_string(impl_->bus.get(), kDestination, path.c_str(), "org.freedesktop.systemd1.Unit",
                                       "ActiveState", &error.e, &state);
    if (r < 0)
        return fail(bus_failure(error, r, "read the state of unit " + unit));
    const std::string s = state;
    free(state);
    return s == "active" || s == "activating" || s == "deactivating" || s == "reloading";
}

namespace {

// Properties of a helper service: ExecStart=argv, restarted when it fails, collected when stopped.
int append_service_request(sd_bus_message* m, const ServiceRequest& req)
{
    int r = sd_bus_message_append(m, "ss", req.unit.c_str(), "fail");
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
    if (r >= 0)
        r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", req.description.c_str(), "Type", "s",
                                  "exec", "Restart", "s", "on-failure", "RestartUSec", "t", uint64_t{1000000},
                                  "CollectMode", "s", "inactive-or-failed");
    if (r >= 0) r = sd_bus_message_open_container(m, 'r', "sv");
    if (r >= 0) r = sd_bus_message_append(m, "s", "ExecStart");
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', "a(sasb)");
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sasb)");
    if (r >= 0) r = sd_bus_message_open_container(m, 'r', "sasb");
    if (r >= 0) r = sd_bus_message_append(m, "s", req.argv.empty() ? "" : req.argv[0].c_str());
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "s");
    for (const auto& arg : req.argv)
        if (r >= 0) r = sd_bus_message_append(m, "s", arg.c_str());
    if (r >= 0) r = sd_bus_message_close_container(m);    // as
    if (r >= 0) r = sd_bus_message_append(m, "b", 0);      // ignore-failure = false
    if (r >= 0) r = sd_bus_message_close_container(m);    // (sasb)
    if (r >= 0) r = sd_bus_message_close_container(m);    // a(sasb)
    if (r >= 0) r = sd_bus_message_close_container(m);    // v
    if (r >= 0) r = sd_bus_message_close_container(m);    // (sv)
    if (r >= 0) r = sd_bus_message_close_container(m);    // a(sv)
    if (r >= 0) r = sd_bus_message_append(m, "a(sa(sv))", 0);
    return r;
}

}  // namespace

Result<> SystemdUnitManager::start_service(const ServiceRequest& req)
{
    const std::string what = "start service " + req.unit;
    if (req.argv.empty() || !req.argv[0].starts_with("/"))
        return fail(ErrorKind::InvalidArgument, what + ": the command must be an absolute path");
    if (BERTH_TRY(is_active(req.unit)))
        return {};
    Impl& impl = *impl_;
    Impl::Watch watch(impl, req.unit);
    auto reply = BERTH_TRY(impl.call_manager("StartTransientUnit", what, nullptr,
                                             [&](sd_bus_message* m) { return append_service_request(m, req); }));
    const std::string job = BERTH_TRY(impl.job_path(reply.get(), what));
    const std::string result = BERTH_TRY(impl.wait_job(job, kJobTimeoutUsec, what));
    if (result != "done") {
        (void)impl.stop(req.unit);
        return fail(ErrorKind::Failed, what + ": systemd's start job finished with result '" +
                                           (result.empty() ? "timeout" : result) + "' (see journalctl -u " +
                                           req.unit + ")");
    }
    return {};
}

}  // namespace berth
