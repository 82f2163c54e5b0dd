# The artaud image: one image, several roles (collector, ingester, scheduler), chosen by the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN useradd --system --home /var/lib/artaud --create-home artaud
WORKDIR /opt/artaud
COPY . .
RUN pip install --no-cache-dir .
USER artaud
ENV ARTAUD_PATHS__DATA_DIR=/var/lib/artaud
VOLUME ["/var/lib/artaud"]
ENTRYPOINT ["artaud"]
CMD ["run"]
