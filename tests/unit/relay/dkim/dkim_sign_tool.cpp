// Test helper for verify_with_python.py: signs the message on stdin with a new
// key of the type given (rsa | ed25519) and prints the p= value on the first
// line, then the signed message (the DKIM-Signature field on top).
#include <iostream>
#include <iterator>
#include <string>

#include "relay/dkim/dkim_signer.hpp"

int main(int argc, char** argv) {
  using namespace mfrelay::relay::dkim;
  if (argc != 2 || !parse_key_type(argv[1])) {
    std::cerr << "usage: dkim_sign_tool rsa|ed25519 < message\n";
    return 2;
  }
  std::string message((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto key = dkim_key::generate(*parse_key_type(argv[1]));
  std::cout << key.public_key_base64() << '\n'
            << sign_message(message, {"example.com", "sel1", 1764900000, &key}) << message;
  return 0;
}
