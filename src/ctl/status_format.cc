#include "ctl/status_format.h"

#include <time.h>

#include <cstdio>

#include "base/rate.h"
#include "base/size.h"

namespace berth::ctl {

namespace {

void line(std::string& out, std::string_view label, const std::string& value)
{
    constexpr size_t kLabelWidth = 16;   // the widest label plus room, like machinectl's right-aligned column
    if (label.size() < kLabelWidth)
        out.append(kLabelWidth - label.size(), ' ');
    out += label;
    out += ": ";
    out += value;
    out += '\n';
}

std::string limit(uint64_t v)
{
    return v == kUnlimited ? "infinity" : std::to_string(v);
}

std::string cpus_text(double cpus)
{
    if (cpus <= 0)
        return "no limit";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g CPU%s", cpus, cpus == 1.0 ? "" : "s");
    return buf;
}

}  // namespace

std::string format_timestamp(uint64_t usec)
{
    const time_t t = static_cast<time_t>(usec / 1000000);
    struct tm tm {};
    if (!localtime_r(&t, &tm))
        return std::to_string(usec);
    char buf[64];
    if (strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
        return std::to_string(usec);
    return buf;
}

std::string format_age(uint64_t then_usec, uint64_t now_usec)
{
    if (then_usec > now_usec)
        return "in the future";
    uint64_t s = (now_usec - then_usec) / 1000000;
    if (s < 60)
        return std::to_string(s) + "s ago";
    const uint64_t days = s / 86400, hours = (s % 86400) / 3600, mins = (s % 3600) / 60;
    if (days > 0)
        return std::to_string(days) + (days == 1 ? " day" : " days") +
               (hours ? " " + std::to_string(hours) + "h" : std::string()) + " ago";
    if (hours > 0)
        return std::to_string(hours) + "h" + (mins ? " " + std::to_string(mins) + "min" : std::string()) + " ago";
    return std::to_string(mins) + "min ago";
}

std::string format_cpu_time(uint64_t nsec)
{
    const uint64_t ms = nsec / 1000000;
    const uint64_t h = ms / 3600000, min = (ms % 3600000) / 60000, sec_ms = ms % 60000;
    char buf[64];
    if (h > 0)
        std::snprintf(buf, sizeof buf, "%lluh %llumin", static_cast<unsigned long long>(h),
                      static_cast<unsigned long long>(min));
    else if (min > 0)
        std::snprintf(buf, sizeof buf, "%llumin %.1fs", static_cast<unsigned long long>(min),
                      static_cast<double>(sec_ms) / 1000.0);
    else
        std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(sec_ms) / 1000.0);
    return buf;
}

std::string quote_command(const std::vector<std::string>& argv)
{
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty())
            out += ' ';
        const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                 "0123456789-_./=:,+@%") == std::string::npos;
        if (plain) {
            out += arg;
            continue;
        }
        out += '\'';
        for (char c : arg) {
            if (c == '\'')
                out += "'\\''";
            else
                out += c;
        }
        out += '\'';
    }
    return out;
}

std::string format_status(const ContainerStatus& s, uint64_t now_usec)
{
    std::string out = s.name + "\n";

    std::string state = s.state.empty() ? "unknown" : s.state;
    if (s.started_at != 0 && s.state != "stopped")
        state += " since " + format_timestamp(s.started_at) + "; " + format_age(s.started_at, now_usec);
    line(out, "State", state);
    if (s.state == "stopped" && s.exit_status >= 0)
        line(out, "Exit status", std::to_string(s.exit_status));
    if (!s.stop_reason.empty())
        line(out, s.state == "stopped" ? "Stopped by" : "Last stop", s.stop_reason);
    if (!s.os_name.empty())
        line(out, "OS", s.os_name);
    if (!s.guest_state.empty() || !s.guest_status.empty()) {
        std::string guest = s.guest_state.empty() ? "-" : s.guest_state;
        if (!s.guest_status.empty())
            guest += " (" + s.guest_status + ")";
        line(out, "Guest", guest);
    }
    if (s.created_at != 0)
        line(out, "Created", format_timestamp(s.created_at) + "; " + format_age(s.created_at, now_usec));
    line(out, "Image", s.image.empty() ? "-" : s.image);
    if (s.mode == "command" && !s.command.empty())
        line(out, "Mode", "command: " + quote_command(s.command));
    else
        line(out, "Mode", s.mode.empty() ? "-" : s.mode);
    if (s.auto_remove)
        line(out, "Auto-remove", "yes");
    if (s.ephemeral)
        line(out, "Root", "ephemeral (volatile overlay of the image)");
    if (!s.pool.empty())
        line(out, "Pool", s.pool + (s.disk != 0 ? " (disk limit " + format_size(s.disk) + ")" : ""));
    if (s.autostart)
        line(out, "Autostart", "yes (order " + std::to_string(s.autostart_order) + ", delay " +
                                   std::to_string(s.autostart_delay) + " s)");
    if (!s.unit.empty())
        line(out, "Unit", s.unit);
    if (s.leader != 0)
        line(out, "Leader", std::to_string(s.leader));
    if (s.idmap_size != 0) {
        const uint64_t end = static_cast<uint64_t>(s.idmap_base) + s.idmap_size - 1;
        line(out, "ID map", std::to_string(s.idmap_base) + "-" + std::to_string(end) + " (" +
                                std::to_string(s.idmap_size) + " ids" +
                                (s.idmap_mode.empty() ? std::string() : ", " + s.idmap_mode) + ")");
    }

    // Usage is only meaningful while the scope exists; a stopped container shows "-" and its limits.
    const bool running = s.state != "stopped";
    std::string memory = (running ? format_size(s.memory_current) : std::string("-")) + " ";
    memory += "(max: " + format_size(s.memory_max) + ", high: " + format_size(s.memory_high) + ")";
    line(out, "Memory", memory);
    std::string cpu = (running ? format_cpu_time(s.cpu_usage_nsec) : std::string("-")) + " ";
    cpu += "(quota: " + cpus_text(s.cpus) + (s.cpu_weight ? ", weight: " + std::to_string(s.cpu_weight) : "") + ")";
    line(out, "CPU", cpu);
    std::string tasks = (running ? std::to_string(s.tasks_current) : std::string("-")) + " ";
    tasks += "(max: " + limit(s.tasks_max) + ")";
    line(out, "Tasks", tasks);
    if (s.io_weight)
        line(out, "IO weight", std::to_string(s.io_weight));
    if (s.net_rate_in || s.net_rate_out) {
        auto rate = [](uint64_t r) { return r ? format_rate(r) + "bit/s" : std::string("no limit"); };
        line(out, "Net rate", "in " + rate(s.net_rate_in) + ", out " + rate(s.net_rate_out));
    }
    for (const auto& a : s.addresses)
        line(out, "Network", a);
    for (const auto& m : s.mounts)
        line(out, "Mount", m);
    if (!s.port_forwards.empty()) {
        std::string ports;
        for (const auto& p : s.port_forwards)
            ports += (ports.empty() ? "" : ", ") + p;
        line(out, "Ports", ports);
    }
    return out;
}

}  // namespace berth::ctl
