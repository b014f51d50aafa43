// A self-signed certificate and key for first start, when [tls] names files
// that do not exist yet: an EC P-256 key and an X.509 certificate for the
// relay's hostname, written as PEM (the key 0600). Main thread, at start-up.
#pragma once
#include <string>

namespace mfrelay::relay {

// Writes both files (creating folders); throws std::runtime_error on failure.
void write_self_signed(const std::string& hostname, const std::string& certificate_path, const std::string& key_path);

}  // namespace mfrelay::relay
