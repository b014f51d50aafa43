// `mfrelay hash-password`: make a [[user]] password_hash.
#include <termios.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <iostream>
#include <string>

#include "relay/cli/command.hpp"
#include "relay/auth/password_hash.hpp"

namespace mfrelay::relay {
namespace {

// Reads one line from standard input; without echo when it is a terminal.
std::string read_secret(const char* prompt) {
  bool tty = isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << '\n';
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int run(const cli_args& args) {
  unsigned iterations = default_pbkdf2_iterations;
  if (args.has("iterations")) {
    std::string text = args.value("iterations");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), iterations);
    if (ec != std::errc{} || end != text.data() + text.size() || iterations < 1000 || iterations > INT_MAX) {
      std::cerr << "mfrelay hash-password: --iterations must be a number from 1000 to " << INT_MAX << "\n";
      return exit_usage;
    }
  }
  std::string password = read_secret("Password: ");
  if (isatty(STDIN_FILENO) == 1 && read_secret("Again: ") != password) {
    std::cerr << "mfrelay hash-password: the passwords differ\n";
    return exit_failed;
  }
  if (password.empty()) {
    std::cerr << "mfrelay hash-password: the password is empty\n";
    return exit_failed;
  }
  std::cout << hash_password(password, iterations) << '\n';
  return exit_ok;
}

}  // namespace

const command hash_password_command{
    "hash-password", "hash a password for a [[user]] password_hash",
    "usage: mfrelay hash-password [--iterations N]\n\n"
    "Reads the password from standard input (asked twice, without echo, on a\n"
    "terminal; the first line otherwise) and prints a salted PBKDF2-SHA256 hash:\n"
    "  $pbkdf2-sha256$600000$<salt>$<digest>\n"
    "Never pass a password as an argument: other users can see arguments.\n",
    {{"iterations", 0, true}},
    run};

}  // namespace mfrelay::relay
