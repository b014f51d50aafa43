#!/usr/bin/perl
# Perl's Mail::DKIM as an independent verifier for test_dkim.py: reads one
# message on stdin, asks the DNS server at 127.0.0.1:PORT (knotd) for the keys,
# prints one line per signature: "<domain> <selector> <result>". knotd is
# authoritative and answers a CNAME to another of its zones without the
# target's records; the resolver below follows it, as a recursive one would.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

package CnameFollowingResolver;
sub new { my ($class, $inner) = @_; return bless { inner => $inner }, $class; }
sub errorstring { return $_[0]{inner}->errorstring; }
sub send {
  my ($self, $name, $type) = @_;
  my $resp;
  for my $hop (1 .. 8) {
    $resp = $self->{inner}->send($name, $type) or return $resp;
    last if grep { lc $_->type eq lc $type } $resp->answer;
    my ($cname) = grep { $_->type eq 'CNAME' } $resp->answer;
    last unless $cname;
    $name = $cname->cname;
  }
  return $resp;
}
package main;

my $port = shift @ARGV or die "usage: dkim_verifiers.pl PORT < message\n";
my $resolver = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port, recurse => 0,
                                       udp_timeout => 5, tcp_timeout => 5, retry => 1);
Mail::DKIM::DNS::resolver(CnameFollowingResolver->new($resolver));
my $dkim = Mail::DKIM::Verifier->new();
local $/;
my $message = <STDIN>;
$message =~ s/\r?\n/\r\n/g;
$dkim->PRINT($message);
$dkim->CLOSE;
foreach my $signature ($dkim->signatures) {
  printf "%s %s %s\n", $signature->domain, $signature->selector, $signature->result;
  printf STDERR "%s\n", $signature->result_detail;
}
