// One c-ares query's completion, for dns/resolver.cpp only: c-ares carries it as its
// void* argument and hands it back once, on the resolver's strand; it parses the
// (untrusted) answer and posts the result to the caller's executor.
#pragma once
#include <ares.h>

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

template <class Answer, class Handler>
struct query_op final : pending_query {
  using parser = Answer (*)(std::span<const unsigned char>);

  query_op(Handler&& h, parser p, const boost::asio::any_io_executor& fallback)
      : handler(std::move(h)),
        parse(p),
        // Keeps the caller's executor from running out of work while c-ares waits.
        work(boost::asio::prefer(boost::asio::any_io_executor(boost::asio::get_associated_executor(handler, fallback)),
                                 boost::asio::execution::outstanding_work.tracked)) {}

  void finish(int status, std::span<const unsigned char> answer) override {
    Answer result;
    if (status == ARES_SUCCESS && !answer.empty())
      result = parse(answer);
    else
      result.outcome = outcome_of_status(status == ARES_SUCCESS ? ARES_EBADRESP : status);
    // Posted, never dispatched: the caller must not resume inside c-ares, where
    // shutting the resolver down would destroy the channel under its own callback.
    boost::asio::post(work, boost::asio::append(std::move(handler), std::move(result)));
  }

  Handler handler;
  parser parse;
  boost::asio::any_io_executor work;
};

}  // namespace mfrelay::dns
