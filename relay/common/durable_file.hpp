// Atomic, durable file replacement: temporary file, write, fsync, rename, fsync of the folder.
// Blocking file I/O: call from a worker thread, never from an event loop.
// The contents are written as given; the path comes from configuration.
#pragma once
#include <filesystem>
#include <string_view>

namespace mfrelay::relay {

// Keeps the permission bits of a file it replaces (0644 for a new one). The
// temporary name (".<name>.tmp-<random>") never ends in ".toml", so a policy
// reload running meanwhile does not pick it up. Throws std::system_error naming
// the path and step; the temporary file is removed then, the target untouched.
void write_file_durably(const std::filesystem::path& path, std::string_view text);

// The same, with the file's permission bits forced to `mode` from the moment the
// temporary file is created (a private key is never readable by others, not even
// for an instant).
void write_file_durably(const std::filesystem::path& path, std::string_view text, unsigned mode);

}  // namespace mfrelay::relay
