// Hands out disjoint ranges of host uids/gids (one per container) from the configured pool. The allocations are
// the idmap_base/idmap_size of each container's spec, so they persist with the definitions.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/error.h"

namespace berth {

class IdMapAllocator {
public:
    // Ranges are `size` ids each, aligned to `size`, inside [first, first + count).
    IdMapAllocator(uint32_t first, uint32_t count, uint32_t size);

    // Record an existing allocation (from a loaded definition). Refuses overlaps and ranges outside the pool
    // (InvalidArgument), so two definitions can never share ids.
    Result<> reserve(const std::string& owner, uint32_t base, uint32_t size);
    // The lowest free range; QuotaExceeded when the pool is full; AlreadyExists if owner has one.
    Result<uint32_t> allocate(const std::string& owner);
    void release(const std::string& owner);
    size_t used() const { return by_base_.size(); }
    uint32_t range_size() const { return size_; }

private:
    uint32_t first_, count_, size_;
    std::map<uint32_t, std::pair<std::string, uint32_t>> by_base_;  // base -> (owner, size)
};

}  // namespace berth
