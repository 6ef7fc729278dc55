// Undo steps of a multi-step operation: add an undo after each step that succeeded, call success() at the end.
// If the Reverter is destroyed before success(), the undos run in reverse order, so nothing is left half-made.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace berth {

class Reverter {
public:
    Reverter() = default;
    Reverter(const Reverter&) = delete;
    Reverter& operator=(const Reverter&) = delete;
    ~Reverter() { revert(); }

    void add(std::function<void()> undo) { undos_.push_back(std::move(undo)); }
    void success() { undos_.clear(); }
    void revert()
    {
        while (!undos_.empty()) {
            auto undo = std::move(undos_.back());
            undos_.pop_back();
            undo();
        }
    }

private:
    std::vector<std::function<void()>> undos_;
};

}  // namespace berth
