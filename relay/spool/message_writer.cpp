#include "relay/spool/message_writer.hpp"

#include <stdexcept>

namespace mfrelay::relay {

message_writer::message_writer(std::string id, std::unique_ptr<sink> bytes)
    : id_(std::move(id)), sink_(std::move(bytes)) {}

void message_writer::append(std::string_view bytes) {
  if (!sink_) throw std::logic_error("message_writer::append after commit or abort");
  sink_->append(bytes);
  size_ += bytes.size();
}

void message_writer::prepend(std::string_view bytes) {
  if (!sink_) throw std::logic_error("message_writer::prepend after commit or abort");
  sink_->prepend(bytes);
  size_ += bytes.size();
}

}  // namespace mfrelay::relay
