#include "core/autostart.h"

#include <algorithm>

namespace berth {

std::vector<const Container*> autostart_plan(const std::vector<const Container*>& containers)
{
    std::vector<const Container*> plan;
    for (const Container* c : containers)
        if (c->spec.autostart && c->state == ContainerState::Stopped)
            plan.push_back(c);
    std::stable_sort(plan.begin(), plan.end(), [](const Container* a, const Container* b) {
        if (a->spec.autostart_order != b->spec.autostart_order)
            return a->spec.autostart_order < b->spec.autostart_order;
        return a->spec.name < b->spec.name;
    });
    return plan;
}

void Autostart::run()
{
    plan_.clear();
    for (const Container* c : autostart_plan(manager_.containers()))
        plan_.push_back({c->spec.name, c->spec.autostart_delay});
    next_ = 0;
    if (!plan_.empty())
        log_("autostart: starting " + std::to_string(plan_.size()) + " container(s)");
    start_next();
}

void Autostart::start_next()
{
    while (next_ < plan_.size()) {
        const Step step = plan_[next_++];
        const std::string name = step.name;
        // Disabled or started by someone else meanwhile: skip it.
        const Container* c = manager_.find(name);
        if (!c || !c->spec.autostart || c->state != ContainerState::Stopped)
            continue;
        auto r = manager_.start(name, [this, name](Result<> outcome) {
            if (!outcome)
                log_("autostart: container " + name + " failed to start: " + outcome.error().describe());
            else
                log_("autostart: container " + name + " started");
        });
        if (!r) {
            log_("autostart: container " + name + " failed to start: " + r.error().describe());
            continue;
        }
        if (step.delay == 0)
            continue;
        // The next one waits `delay` seconds after this one began.
        auto timer = loop_.add_timer(uint64_t{step.delay} * 1000000, [this] {
            timer_.disable();
            loop_.defer([this] { start_next(); });
        });
        if (timer) {
            timer_ = std::move(*timer);
            return;
        }
        log_("autostart: cannot wait " + std::to_string(step.delay) + " s: " + timer.error().describe());
    }
}

}  // namespace berth
