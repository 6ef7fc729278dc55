// A directory under /tmp for one test, removed with everything in it when the test ends.
#pragma once

#include <stdlib.h>

#include <string>

#include "base/fs.h"

namespace berth::testing {

struct TempDir {
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/berth-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() { (void)remove_tree(path); }
};

}  // namespace berth::testing
