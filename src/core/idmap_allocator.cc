// First-fit allocation of aligned id ranges. The pool is small (thousands of ranges at most) and allocation is
// rare, so a walk over the ordered map is simpler than a free list and obviously correct. All arithmetic is done
// in uint64 so first + count near the top of the 32-bit id space cannot wrap.
#include "core/idmap_allocator.h"

#include <algorithm>

namespace berth {

namespace {

uint64_t round_up(uint64_t value, uint64_t align) { return align == 0 ? value : (value + align - 1) / align * align; }

}  // namespace

IdMapAllocator::IdMapAllocator(uint32_t first, uint32_t count, uint32_t size) : first_(first), count_(count), size_(size)
{
}

Result<> IdMapAllocator::reserve(const std::string& owner, uint32_t base, uint32_t size)
{
    // Alignment is not checked: a definition written under another [idmap] size stays valid as long as it fits.
    const uint64_t begin = base, end = uint64_t{base} + size;
    const uint64_t pool_end = uint64_t{first_} + count_;
    const std::string shown = "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
    if (size == 0)
        return fail(ErrorKind::InvalidArgument, "id range of " + owner + " is empty");
    if (begin < first_ || end > pool_end)
        return fail(ErrorKind::InvalidArgument, "id range " + shown + " of " + owner +
                                                    " lies outside the pool [" + std::to_string(first_) + ", " +
                                                    std::to_string(pool_end) +
                                                    ") ([idmap] first and count in berthd.toml)");
    for (const auto& [other_base, entry] : by_base_) {
        if (entry.first == owner)
            return fail(ErrorKind::AlreadyExists, owner + " already has an id range");
        const uint64_t other_end = uint64_t{other_base} + entry.second;
        if (begin < other_end && other_base < end)
            return fail(ErrorKind::InvalidArgument, "id range " + shown + " of " + owner + " overlaps [" +
                                                        std::to_string(other_base) + ", " +
                                                        std::to_string(other_end) + ") of " + entry.first);
    }
    by_base_.emplace(base, std::make_pair(owner, size));
    return {};
}

Result<uint32_t> IdMapAllocator::allocate(const std::string& owner)
{
    for (const auto& [base, entry] : by_base_)
        if (entry.first == owner)
            return fail(ErrorKind::AlreadyExists, owner + " already has an id range");
    const uint64_t pool_end = uint64_t{first_} + count_;
    if (size_ > 0) {
        uint64_t candidate = round_up(first_, size_);
        // by_base_ is ordered, so the first gap that holds a whole aligned range is the lowest free one.
        for (const auto& [base, entry] : by_base_) {
            if (candidate + size_ <= base)
                break;
            candidate = std::max(candidate, round_up(uint64_t{base} + entry.second, size_));
        }
        if (candidate + size_ <= pool_end) {
            by_base_.emplace(static_cast<uint32_t>(candidate), std::make_pair(owner, size_));
            return static_cast<uint32_t>(candidate);
        }
    }
    const uint64_t aligned_first = round_up(first_, size_);
    const uint64_t capacity = size_ == 0 || aligned_first >= pool_end ? 0 : (pool_end - aligned_first) / size_;
    return fail(ErrorKind::QuotaExceeded,
                "no free id range for " + owner + ": the pool holds " + std::to_string(capacity) + " ranges of " +
                    std::to_string(size_) + " ids and " + std::to_string(by_base_.size()) +
                    " are in use; raise [idmap] count in berthd.toml (or remove containers)");
}

void IdMapAllocator::release(const std::string& owner)
{
    for (auto it = by_base_.begin(); it != by_base_.end(); ++it) {
        if (it->second.first == owner) {
            by_base_.erase(it);
            return;
        }
    }
}

}  // namespace berth
