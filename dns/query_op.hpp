// One c-ares query's completion, for dns/resolver.cpp only: c-ares carries it as its
// void* argument and hands it back once, on the resolver's strand; it parses the
// (untrusted) answer and posts the result to the caller's executor.
#pragma once
#include <ares.h>

#include <memory>
#include <span>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>

#include "dns/answer_parse.hpp"

namespace mfrelay::dns {

// Type-erased, so one c-ares callback serves every answer type and handler.
struct pending_query {
  virtual ~pending_query() = default;
  // On the strand, from inside c-ares (or directly, when there is no channel).
  virtual void finish(int status, std::span<const unsigned char> answer) = 0;
};

// A query's result: the parsed answer, or the outcome its c-ares status means.
template <class Answer>
Answer answer_of(int status, std::span<const unsigned char> answer, Answer (*parse)(std::span<const unsigned char>)) {
  if (status == ARES_SUCCESS && !answer.empty()) return parse(answer);
  Answer result;
  result.outcome = outcome_of_status(status == ARES_SUCCESS ? ARES_EBADRESP : status);
  return result;
}

// The caller's executor, kept from running out of work while c-ares waits.
template <class Handler>
boost::asio::any_io_executor tracked_executor_of(const Handler& handler, const boost::asio::any_io_executor& fallback) {
  return boost::asio::prefer(boost::asio::any_io_executor(boost::asio::get_associated_executor(handler, fallback)),
                             boost::asio::execution::outstanding_work.tracked);
}

template <class Answer, class Handler>
struct query_op final : pending_query {
  using parser = Answer (*)(std::span<const unsigned char>);

  query_op(Handler&& h, parser p, const boost::asio::any_io_executor& fallback)
      : handler(std::move(h)), parse(p), work(tracked_executor_of(handler, fallback)) {}

  void finish(int status, std::span<const unsigned char> answer) override {
    // Posted, never dispatched: the caller must not resume inside c-ares, where
    // shutting the resolver down would destroy the channel under its own callback.
    boost::asio::post(work, boost::asio::append(std::move(handler), answer_of(status, answer, parse)));
  }

  Handler handler;
  parser parse;
  boost::asio::any_io_executor work;
};

// Two queries of one name that complete the caller once, with both answers
// (resolver::mx_and_txt): one pending_query per half, both on the strand.
template <class Handler>
struct mx_txt_op {
  mx_txt_op(Handler&& h, const boost::asio::any_io_executor& fallback)
      : handler(std::move(h)), work(tracked_executor_of(handler, fallback)) {}

  void half_done() {
    if (--left > 0) return;
    boost::asio::post(work, boost::asio::append(std::move(handler), std::pair(std::move(mx), std::move(txt))));
  }

  Handler handler;
  boost::asio::any_io_executor work;
  policy::mx_answer mx;
  policy::txt_answer txt;
  int left = 2;
};

template <class Answer, class Op>
struct half_op final : pending_query {
  half_op(std::shared_ptr<Op> o, Answer Op::*s, Answer (*p)(std::span<const unsigned char>))
      : op(std::move(o)), slot(s), parse(p) {}
  void finish(int status, std::span<const unsigned char> answer) override {
    (*op).*slot = answer_of(status, answer, parse);
    op->half_done();
  }
  std::shared_ptr<Op> op;
  Answer Op::*slot;
  Answer (*parse)(std::span<const unsigned char>);
};

}  // namespace mfrelay::dns
