#include "core/net/nft_child.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "base/fs.h"
#include "base/unique_fd.h"

namespace berth::net {

namespace {

std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

// In the child: load libnftables, run the script. Returns "" on success, else the message for the parent.
std::string run_in_child(const std::string& script)
{
    void* lib = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return std::string("cannot load libnftables (install libnftables1): ") + dlerror();
    // Only the calls below; the prototypes come from the header, so the casts are checked by decltype.
    auto ctx_new = reinterpret_cast<decltype(&nft_ctx_new)>(dlsym(lib, "nft_ctx_new"));
    auto buffer_output = reinterpret_cast<decltype(&nft_ctx_buffer_output)>(dlsym(lib, "nft_ctx_buffer_output"));
    auto buffer_error = reinterpret_cast<decltype(&nft_ctx_buffer_error)>(dlsym(lib, "nft_ctx_buffer_error"));
    auto run = reinterpret_cast<decltype(&nft_run_cmd_from_buffer)>(dlsym(lib, "nft_run_cmd_from_buffer"));
    auto error_buffer =
        reinterpret_cast<decltype(&nft_ctx_get_error_buffer)>(dlsym(lib, "nft_ctx_get_error_buffer"));
    if (!ctx_new || !buffer_output || !buffer_error || !run || !error_buffer)
        return "libnftables lacks a function berth needs (version too old?)";
    nft_ctx* ctx = ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return "cannot create an nftables context";
    // Keep libnftables' messages in memory instead of on stderr, to put them into the error.
    if (buffer_output(ctx) != 0 || buffer_error(ctx) != 0)
        return "cannot buffer nftables output";
    if (run(ctx, script.c_str()) != 0) {
        const char* err = error_buffer(ctx);
        std::string why = trimmed(err ? err : "");
        return why.empty() ? "nftables refused the script" : why;
    }
    return {};   // the process exits next: no nft_ctx_free, no dlclose
}

void write_all(int fd, const std::string& text)
{
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += static_cast<size_t>(n);
    }
}

}  // namespace

Result<> run_nftables(const std::string& script)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return fail_errno("create a pipe for the nftables child");
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    const pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork the nftables child");
    if (pid == 0) {
        read_end.reset();
        const std::string err = run_in_child(script);
        write_all(write_end.get(), err);
        _exit(err.empty() ? 0 : 1);
    }
    write_end.reset();
    std::string message = read_to_end(read_end.get());
    // Reaped here by pid: berthd's event loop only waits for the children it watches.
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return fail_errno("wait for the nftables child");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {};
    if (message.empty())
        message = WIFSIGNALED(status) ? "the nftables child was killed by signal " + std::to_string(WTERMSIG(status))
                                      : "the nftables child failed";
    return fail(ErrorKind::Failed, message);
}

}  // namespace berth::net
