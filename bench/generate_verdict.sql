-- generate_verdict for one of 10,000 failed runs (bench/inserts.sh inserts them with these ids)
\set n random(1, 10000)
SELECT error_class FROM generate_verdict(('00000000-0000-4000-8000-' || lpad(to_hex(:n), 12, '0'))::uuid,
    '[{"resourceType": "AWS::CloudFormation::Stack", "statusReason": "secret not found"}]');
