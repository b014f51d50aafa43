#!/usr/bin/perl
# Perl's Mail::DKIM as an independent verifier for test_dkim.py: reads one
# message on stdin, asks the DNS server at 127.0.0.1:PORT (knotd) for the keys,
# prints one line per signature: "<domain> <selector> <result>".
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my $port = shift @ARGV or die "usage: dkim_verifiers.pl PORT < message\n";
my $resolver = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port, recurse => 0,
                                       udp_timeout => 5, tcp_timeout => 5, retry => 1);
Mail::DKIM::DNS::resolver($resolver);
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
