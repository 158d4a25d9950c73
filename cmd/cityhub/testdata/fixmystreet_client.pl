#!/usr/bin/perl
# A report with a photo, sent to an Open311 endpoint the way FixMyStreet's Open311 client sends it
# when the endpoint's upload options are on (perllib/Open311.pm: send_service_request with
# upload_files / always_upload_photos): the same libraries (LWP and HTTP::Request::Common's
# form-data, XML::Simple to read the answer with the options FixMyStreet gives it), the same
# parameters, the photo as a part named photo1 with a file name "<id>.0.full.jpeg" and the photo's
# type, media_url dropped. Written for cityhub's tests; FixMyStreet's own module needs its whole
# application (database, configuration), so this script repeats what it sends.
#
# usage: fixmystreet_client.pl ENDPOINT API_KEY JURISDICTION SERVICE_CODE LAT LONG PHOTO
# prints the service_request_id, or fails.
use strict;
use utf8;
use warnings;
use Encode qw(encode);
use HTTP::Request::Common qw(POST);
use LWP::UserAgent;
use URI;
use XML::Simple;

my ($endpoint, $api_key, $jurisdiction, $service_code, $lat, $long, $photo_path) = @ARGV;
die "usage: $0 ENDPOINT API_KEY JURISDICTION SERVICE_CODE LAT LONG PHOTO\n" unless $photo_path;

open my $fh, '<:raw', $photo_path or die "$photo_path: $!";
my $photo = do { local $/; <$fh> };
close $fh;

# _populate_service_request_params (extended_description off: the detail as it is)
my $params = {
    description  => "桥头人行道上有人推车卖水果，堵住了路",
    service_code => $service_code,
    first_name   => "明",
    last_name    => "李",
    email        => 'li.ming@example.cn',
    lat          => $lat,
    long         => $long,
    media_url    => 'https://www.fixmystreet.example/photo/1234.0.full.jpeg',
};
# _add_photos_to_upload: the photo's bytes instead of media_url
my $uploads = { photo1 => [ undef, '1234.0.full.jpeg', Content_Type => 'image/jpeg', Content => $photo ] };
delete $params->{media_url};

# _request
$params->{jurisdiction_id} = $jurisdiction;
$params->{api_key} = $api_key;
$params = { map { $_ => encode('UTF-8', $params->{$_}) } keys %$params };
my $uri = URI->new($endpoint);
$uri->path($uri->path . 'requests.xml');
my $req = POST $uri->as_string, Content_Type => 'form-data', Content => [ %$params, %$uploads ];
my $res = LWP::UserAgent->new(timeout => 30)->request($req);
die "request failed: " . $res->status_line . "\n" . $res->decoded_content . "\n" unless $res->is_success;

# _get_xml_object
my $group_tags = { services => 'service', attributes => 'attribute', values => 'value',
    service_requests => 'request', errors => 'error', service_request_updates => 'request_update', groups => 'group' };
my $obj = XML::Simple->new(ForceArray => [ values %$group_tags ], KeyAttr => {}, GroupTags => $group_tags,
    SuppressEmpty => undef)->parse_string($res->decoded_content);
my $id = $obj->{request}->[0]->{service_request_id};
die "no service_request_id in " . $res->decoded_content . "\n" if !$id || ref $id;
print "$id\n";
