// An in-memory UnitManager for unit tests: records what it was asked, fails on request.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/unit_manager.h"

namespace berth::testing {

class FakeUnitManager final : public UnitManager {
public:
    std::vector<ScopeRequest> started;
    std::map<std::string, Limits> limits;
    std::set<std::string> active;
    std::vector<std::pair<std::string, int>> kills;
    bool fail_start = false;

    Result<> start_scope(const ScopeRequest& request) override
    {
        if (fail_start)
            return fail(ErrorKind::Failed, "fake: start refused");
        started.push_back(request);
        active.insert(request.unit);
        limits[request.unit] = request.limits;
        return {};
    }
    Result<> set_limits(const std::string& unit, const Limits& l) override
    {
        limits[unit] = l;
        return {};
    }
    Result<> kill_unit(const std::string& unit, const std::string&, int signal) override
    {
        kills.emplace_back(unit, signal);
        return {};
    }
    Result<> stop_unit(const std::string& unit) override
    {
        active.erase(unit);
        return {};
    }
    Result<UnitUsage> usage(const std::string&) override { return UnitUsage{1, 2, 3}; }
    Result<bool> is_active(const std::string& unit) override { return active.count(unit) != 0; }
};

}  // namespace berth::testing
