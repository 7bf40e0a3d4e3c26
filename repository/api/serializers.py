"""Response shapes shared by every API app (for the OpenAPI document)."""

from rest_framework import serializers


class FieldErrorSerializer(serializers.Serializer):
    """One field's errors: the dotted path and its messages."""

    field = serializers.CharField()
    messages = serializers.ListField(child=serializers.CharField())


class ErrorSerializer(serializers.Serializer):
    """The API's error shape (repository.api.exceptions)."""

    status = serializers.IntegerField()
    message = serializers.CharField()
    errors = FieldErrorSerializer(many=True, required=False)
    tombstone = serializers.DictField(required=False)
